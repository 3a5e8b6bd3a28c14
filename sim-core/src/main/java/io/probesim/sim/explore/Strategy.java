package io.probesim.sim.explore;

import io.probesim.sim.Chooser;

/** How schedules are chosen: random, pct, dfs, replay. */
public interface Strategy {
    String name();

    /** The chooser of schedule {@code scheduleIndex}; null when the strategy has nothing more to try (dfs done). */
    Chooser chooserFor(long scheduleIndex);

    /** Called in index order once schedule {@code scheduleIndex} has been consumed. */
    default void finished(long scheduleIndex, RunResult r) {}

    /** False when chooserFor(i) depends on run i-1 (dfs): the explorer then runs serially. */
    default boolean parallelSafe() {
        return true;
    }
}
