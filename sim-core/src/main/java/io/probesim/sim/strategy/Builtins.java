package io.probesim.sim.strategy;

import io.probesim.sim.Chooser;
import io.probesim.sim.explore.Strategy;

/** The one public door into this package; {@link io.probesim.sim.explore.Strategies} is the API to use. */
public final class Builtins {
    private Builtins() {}

    public static Strategy random(long seed) {
        return new RandomStrategy(seed);
    }

    public static Strategy pct(long seed, int depth, int actors, long steps) {
        return new PctStrategy(seed, depth, actors, steps);
    }

    public static Strategy dfs(int bound) {
        return new DfsStrategy(bound);
    }

    public static Chooser replay(int[] choices) {
        return new ReplayChooser(choices);
    }
}
