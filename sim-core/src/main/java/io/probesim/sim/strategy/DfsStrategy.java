package io.probesim.sim.strategy;

import io.probesim.sim.Chooser;
import io.probesim.sim.explore.Strategy;

/**
 * Depth-first enumeration of the choice tree (CHESS-style, with a bound on non-zero choices like
 * a preemption bound). Each schedule's prefix derives from the previous run, so schedules must
 * run one after the other: not parallel-safe, and chooserFor(i) must follow the end of run i-1.
 */
final class DfsStrategy implements Strategy {
    private final int bound;
    private DfsChooser last;
    private long lastIndex = -1;
    private boolean exhausted;

    DfsStrategy(int bound) {
        if (bound < -1) {
            throw new IllegalArgumentException("dfs bound must be >= 0 or -1 (none), got " + bound);
        }
        this.bound = bound;
    }

    @Override
    public String name() {
        return "dfs";
    }

    @Override
    public synchronized Chooser chooserFor(long scheduleIndex) {
        if (scheduleIndex != lastIndex + 1) {
            throw new IllegalStateException("dfs schedules must be requested in order: expected "
                    + (lastIndex + 1) + ", got " + scheduleIndex);
        }
        if (exhausted) {
            return null;
        }
        int[] prefix;
        if (last == null) {
            prefix = new int[0];
        } else {
            prefix = last.nextPrefix(bound);
            if (prefix == null) {
                exhausted = true;
                last = null;
                return null;
            }
        }
        lastIndex = scheduleIndex;
        last = new DfsChooser(prefix);
        return last;
    }

    @Override
    public boolean parallelSafe() {
        return false;
    }
}
