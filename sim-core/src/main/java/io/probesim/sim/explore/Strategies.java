package io.probesim.sim.explore;

import io.probesim.sim.Chooser;
import io.probesim.sim.strategy.Builtins;

/** The built-in strategies. */
public final class Strategies {
    private Strategies() {}

    /** Seeded random walk; schedule i uses a stream derived from (seed, i). */
    public static Strategy random(long seed) {
        return Builtins.random(seed);
    }

    /** PCT (Burckhardt et al. 2010) of the given depth for {@code actors} actors and about {@code steps} steps per run. */
    public static Strategy pct(long seed, int depth, int actors, long steps) {
        return Builtins.pct(seed, depth, actors, steps);
    }

    /** Exhaustive depth-first search; bound on non-zero choices (like CHESS's preemption bound), -1 = none. */
    public static Strategy dfs(int bound) {
        return Builtins.dfs(bound);
    }

    /** Plays back choices; sequence exhausted or value out of range -> 0. */
    public static Chooser replay(int[] choices) {
        return Builtins.replay(choices);
    }

    /** PCT's lower bound on the probability of finding a depth-d bug in one run: 1/(n*k^(d-1)). */
    public static double pctBound(int actors, long steps, int depth) {
        return 1.0 / (actors * Math.pow(steps, depth - 1));
    }
}
