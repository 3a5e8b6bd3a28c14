package io.probesim.sim.explore;

import io.probesim.sim.Chooser;

/**
 * One schedule: build (or restore) a world, run it with this chooser, return the result.
 * Thread-safe: the explorer calls it from several threads with different choosers.
 */
public interface ScheduleRunner {
    RunResult run(Chooser chooser);
}
