package io.probesim.scenario.run;

import io.probesim.cli.Engine;
import io.probesim.cli.ExploreOptions;
import io.probesim.cli.ExploreOutcome;
import io.probesim.cli.Overrides;
import io.probesim.cli.Progress;
import io.probesim.cli.RunOutcome;
import io.probesim.scenario.ScenarioDefinition;
import io.probesim.scenario.ScenarioException;
import io.probesim.sim.Chooser;
import io.probesim.sim.explore.Budget;
import io.probesim.sim.explore.ExplorationResult;
import io.probesim.sim.explore.Explorer;
import io.probesim.sim.explore.Found;
import io.probesim.sim.explore.ReplayToken;
import io.probesim.sim.explore.RunResult;
import io.probesim.sim.explore.Strategies;
import io.probesim.sim.explore.Strategy;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

/** The CLI's engine: scenarios run on the simulated kernel, explored with sim-core. */
public final class SimulatorEngine implements Engine {

    @Override
    public RunOutcome run(ScenarioDefinition scenario, Overrides overrides, long seed, Path trace) {
        ScenarioDefinition def = overrides.applyTo(scenario);
        ScenarioRunner runner = new ScenarioRunner(new ScenarioImage(def));
        Chooser chooser = Strategies.random(seed).chooserFor(0);
        ScenarioRunner.Outcome out = runner.execute(chooser);
        return outcome(def, runner, out, trace, "run with seed " + seed);
    }

    @Override
    public ExploreOutcome explore(ScenarioDefinition scenario, Overrides overrides, ExploreOptions options, Progress progress) {
        ScenarioDefinition def = overrides.applyTo(scenario);
        ScenarioRunner runner = new ScenarioRunner(new ScenarioImage(def));
        Strategy strategy = strategy(runner, options);
        Budget budget = options.time() == null ? Budget.schedules(options.schedules())
                : new Budget(options.schedules(), options.time());
        Explorer explorer = new Explorer(runner, strategy, TokenConfig.of(def).encode());
        ExplorationResult result = explorer.explore(budget, Math.max(1, options.jobs()),
                (done, total, violations) -> progress.update(done, total, violations));
        String strategyLine = String.format("strategy %s, seed %d%n", options.strategy(), options.seed());
        if (result.violation().isEmpty()) {
            RunResult last = result.last();
            String token = new ReplayToken(TokenConfig.of(def).encode(), last.choices()).encode();
            return new ExploreOutcome(null, strategyLine + "every checked invariant held: " + String.join(", ", def.checks()) + "\n",
                    result.schedules(), result.schedulesPerSecond(), result.distinctInterleavings(), token, last.logSha256());
        }
        Found found = result.violation().get();
        ScenarioRunner.Outcome shrunk = runner.execute(Strategies.replay(found.shrunk().choices()));
        String header = strategyLine + String.format("violation in schedule %d; shrunk from %d to %d choices%n",
                found.scheduleIndex(), found.original().choices().length, found.shrunk().choices().length);
        RunOutcome detail = outcome(def, runner, shrunk, null, header.trim());
        return new ExploreOutcome(detail.violation(), detail.report(), result.schedules(), result.schedulesPerSecond(),
                result.distinctInterleavings(), detail.token(), detail.eventLogSha256());
    }

    @Override
    public RunOutcome replay(ScenarioDefinition scenario, Overrides overrides, String token, Path trace) {
        ReplayToken decoded;
        try {
            decoded = ReplayToken.decode(token);
        } catch (IllegalArgumentException e) {
            throw new ScenarioException(null, 0, 0, e.getMessage(), "copy the token exactly as explore printed it");
        }
        TokenConfig config = TokenConfig.decode(decoded.config());
        config.checkScenario(scenario);
        ScenarioDefinition def = overrides.applyTo(config.applyTo(scenario));
        ScenarioRunner runner = new ScenarioRunner(new ScenarioImage(def));
        ScenarioRunner.Outcome out = runner.execute(Strategies.replay(decoded.choices()));
        return outcome(def, runner, out, trace, "replay of " + decoded.choices().length + " choices");
    }

    private static Strategy strategy(ScenarioRunner runner, ExploreOptions options) {
        return switch (options.strategy()) {
            case "random" -> Strategies.random(options.seed());
            case "pct" -> {
                // PCT needs the number of steps k of a run: measure the default schedule.
                RunResult probe = runner.run(Strategies.replay(new int[0]));
                yield Strategies.pct(options.seed(), Math.max(1, options.depth()), probe.actors(), Math.max(1, probe.steps()));
            }
            case "dfs" -> Strategies.dfs(options.depth());
            default -> throw new ScenarioException(null, 0, 0, "unknown strategy '" + options.strategy() + "'", "use random, pct or dfs");
        };
    }

    private static RunOutcome outcome(ScenarioDefinition def, ScenarioRunner runner, ScenarioRunner.Outcome out, Path trace, String what) {
        RunResult r = out.result();
        int[] choices = trimTrailingZeros(r.choices());
        String token = new ReplayToken(TokenConfig.of(def).encode(), choices).encode();
        if (trace != null) writeTrace(out, trace);
        if (r.violation().isEmpty()) {
            return new RunOutcome(null, what + ": every checked invariant held (" + String.join(", ", def.checks()) + ")\n",
                    token, r.logSha256());
        }
        String report = new ViolationReport(def, runner.image(), out, token).render(what);
        var v = r.violation().get();
        return new RunOutcome(v.invariant() + ": " + v.message(), report, token, r.logSha256());
    }

    static int[] trimTrailingZeros(int[] choices) {
        int n = choices.length;
        while (n > 0 && choices[n - 1] == 0) n--;
        return Arrays.copyOf(choices, n);
    }

    private static void writeTrace(ScenarioRunner.Outcome out, Path trace) {
        try {
            Path dir = trace.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".trace", ".csv");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                out.result().log().writeCsv(w);
            }
            Files.move(tmp, trace, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ScenarioException(trace.toString(), 0, 0, "cannot write the trace: " + e.getMessage(), null);
        }
    }

}
