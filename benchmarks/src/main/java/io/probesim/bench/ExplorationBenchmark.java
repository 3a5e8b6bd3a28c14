package io.probesim.bench;

import io.probesim.scenario.ScenarioLoader;
import io.probesim.scenario.run.ScenarioImage;
import io.probesim.scenario.run.ScenarioRunner;
import io.probesim.sim.explore.Strategies;
import io.probesim.sim.explore.Strategy;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Exploration target (DESIGN.md): >= 2,000 schedules/s of the shipped S1 scenario on 2 cores.
 * One operation = one random schedule on one thread; run with -t 2 for two cores. Run from the
 * repository root (the scenario path is relative to it).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
@State(Scope.Thread)
public class ExplorationBenchmark {

    @Param({"scenarios/examples/s1-booster-preempted-in-slot.groovy"})
    public String scenario;

    @Param({""})
    public String knob;

    private ScenarioRunner runner;
    private Strategy strategy;
    private long schedule;

    @Setup
    public void setUp() {
        var def = ScenarioLoader.load(Path.of(scenario));
        if (!knob.isEmpty()) def = new io.probesim.cli.Overrides(null, java.util.List.of(knob)).applyTo(def);
        runner = new ScenarioRunner(new ScenarioImage(def));
        strategy = Strategies.random(1);
    }

    @Benchmark
    public Object schedule() {
        return runner.run(strategy.chooserFor(schedule++));
    }
}
