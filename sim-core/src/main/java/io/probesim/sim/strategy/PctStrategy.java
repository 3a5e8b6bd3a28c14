package io.probesim.sim.strategy;

import io.probesim.sim.Chooser;
import io.probesim.sim.explore.Strategy;
import java.util.SplittableRandom;

/** PCT with depth d for n actors and k steps; schedule i draws its priorities and change points from its own stream. */
final class PctStrategy implements Strategy {
    private final long seed;
    private final int depth;
    private final int actors;
    private final long steps;

    PctStrategy(long seed, int depth, int actors, long steps) {
        if (depth < 1) {
            throw new IllegalArgumentException("pct depth must be >= 1, got " + depth);
        }
        if (actors < 1) {
            throw new IllegalArgumentException("pct needs at least one actor, got " + actors);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("pct needs a step estimate >= 1, got " + steps);
        }
        this.seed = seed;
        this.depth = depth;
        this.actors = actors;
        this.steps = steps;
    }

    @Override
    public String name() {
        return "pct";
    }

    @Override
    public Chooser chooserFor(long scheduleIndex) {
        return new PctChooser(new SplittableRandom(Seeds.forSchedule(seed, scheduleIndex)), depth, actors, steps);
    }
}
