package io.probesim.scenario.run

import io.probesim.cli.Overrides
import io.probesim.scenario.ProbesConfig
import io.probesim.scenario.ScenarioDefinition
import io.probesim.scenario.ScenarioLoader
import io.probesim.sim.explore.Budget
import io.probesim.sim.explore.ExplorationResult
import io.probesim.sim.explore.Explorer
import io.probesim.sim.explore.ScheduleRunner
import io.probesim.sim.explore.Strategies

import java.nio.file.Files
import java.nio.file.Path

/** The shipped scenarios, loaded from scenarios/examples, with knobs added as the CLI would. */
class Examples {
    static final Path DIR = Path.of('examples')

    /** The example whose row id is `row` (e.g. 's1' finds s1-*.groovy, not s10-*). */
    static Path path(String row) {
        Files.list(DIR).withCloseable { s -> s.filter { it.fileName.toString().startsWith(row + '-') }.findFirst().orElseThrow() }
    }

    static ScenarioDefinition load(String prefix, List<String> knobs = [], String era = null) {
        ScenarioDefinition scenario = ScenarioLoader.load(path(prefix))
        new Overrides(era, knobs).applyTo(scenario)
    }

    static ScenarioRunner runner(String prefix, List<String> knobs = [], String era = null) {
        new ScenarioRunner(new ScenarioImage(load(prefix, knobs, era)))
    }

    /** The scenario checking only `checks`, to show one invariant catches a race on its own. */
    static ScenarioRunner runnerChecking(String prefix, List<String> knobs, List<String> checks) {
        def s = load(prefix, knobs)
        new ScenarioRunner(new ScenarioImage(new ScenarioDefinition(s.name(), s.machine(), s.probes(), s.text(),
                s.objects(), s.tasks(), checks, s.explore(), s.settlePs(), s.timeLimitPs(), s.file())))
    }

    /**
     * Explores `budget` random schedules (seed 7) of the shipped `row` and counts those whose
     * event log has an event of kind `raceEvent`: a safe run only shows the safety measure when
     * the race it guards against really happened.
     */
    static SafeRun exploreSafe(String row, long budget, String raceEvent) {
        def runner = runner(row)
        int raced = 0
        def counting = { c ->
            def r = runner.run(c)
            if (r.log().events().any { it.kind() == raceEvent }) raced++
            r
        } as ScheduleRunner
        def result = new Explorer(counting, Strategies.random(7), 'spec').explore(Budget.schedules(budget), 1, { d, t, v -> })
        new SafeRun(result, raced)
    }

    static record SafeRun(ExplorationResult result, int raced) {}
}
