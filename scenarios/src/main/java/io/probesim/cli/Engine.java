package io.probesim.cli;

import io.probesim.scenario.ScenarioDefinition;

import java.nio.file.Path;

/**
 * What the CLI needs from the simulator. The real implementation is found with
 * {@link java.util.ServiceLoader} (a {@code META-INF/services/io.probesim.cli.Engine} file);
 * tests pass a fake to {@link ProbesimCli#execute}.
 *
 * <p>The scenario is passed as loaded; apply the command line's era and knobs with
 * {@link Overrides#applyTo}. Throw {@link io.probesim.scenario.ScenarioException} for a mistake
 * in the scenario found while running it (exit 2); any other exception is an internal error
 * (exit 3).
 */
public interface Engine {

    /** One schedule with the given seed; {@code trace} (nullable) receives the event log as CSV. */
    RunOutcome run(ScenarioDefinition scenario, Overrides overrides, long seed, Path trace);

    /** Schedules until the budget ends or a violation is found (then shrunk). */
    ExploreOutcome explore(ScenarioDefinition scenario, Overrides overrides, ExploreOptions options, Progress progress);

    /** Re-executes a replay token bit for bit; {@code trace} (nullable) as for run. */
    RunOutcome replay(ScenarioDefinition scenario, Overrides overrides, String token, Path trace);
}
