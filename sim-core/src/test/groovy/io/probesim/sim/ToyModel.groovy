package io.probesim.sim

import groovy.transform.CompileStatic
import io.probesim.sim.explore.RunResult
import io.probesim.sim.explore.ScheduleRunner
import io.probesim.sim.log.EventLog

/**
 * A toy world for the specs: actor i takes steps[i] unit steps (1 ps each) and logs each one;
 * after every step `check` may inspect the run and report a violation. With the default
 * quantum every step where two actors are runnable is a tie for the chooser.
 */
@CompileStatic
class ToyModel implements ScheduleRunner {
    final int[] steps
    long quantum = Long.MAX_VALUE
    Set<String> invariants = new LinkedHashSet<>()
    /** (ToyRun run, int actor, int stepIndexOfThatActor) */
    Closure check

    ToyModel(List<Integer> steps) {
        this.steps = steps as int[]
    }

    @Override
    RunResult run(Chooser chooser) {
        def log = new EventLog()
        def sim = new Simulation(chooser, log, quantum)
        def run = new ToyRun(sim, new Violations(sim, invariants), new int[steps.length])
        for (int i = 0; i < steps.length; i++) {
            sim.addActor(new UnitActor(i, steps[i], run, check))
        }
        sim.run(Long.MAX_VALUE)
        new RunResult(run.violations.first(), chooser.recorded(), log.sha256(), sim.steps(), steps.length, log)
    }

    /** The order in which actors stepped, e.g. "0101". */
    static String order(RunResult r) {
        r.log().events().findAll { it.kind() == 'step' }.collect { it.cpu() }.join('')
    }

    @CompileStatic
    static class ToyRun {
        final Simulation sim
        final Violations violations
        final int[] done
        final Map<String, Object> vars = new LinkedHashMap<>()

        ToyRun(Simulation sim, Violations violations, int[] done) {
            this.sim = sim
            this.violations = violations
            this.done = done
        }
    }

    @CompileStatic
    static class UnitActor implements Actor {
        final int id
        final int total
        final ToyRun run
        final Closure check
        long time

        UnitActor(int id, int total, ToyRun run, Closure check) {
            this.id = id
            this.total = total
            this.run = run
            this.check = check
        }

        int id() { id }

        long localTime() { time }

        boolean runnable() { run.done[id] < total }

        void step() {
            int i = run.done[id]
            run.sim.log().append(time, id, 't' + id, 'step', 'i', i)
            run.done[id] = i + 1
            time += 1
            if (check != null) {
                check.call(run, id, i)
            }
        }

        void stall(long ps) { time += ps }
    }
}
