package io.probesim.sim.strategy;

import io.probesim.sim.Chooser;
import io.probesim.sim.explore.Strategy;
import java.util.SplittableRandom;

/** Seeded random walk: schedule i draws from its own stream, so schedules are independent and parallel-safe. */
final class RandomStrategy implements Strategy {
    private final long seed;

    RandomStrategy(long seed) {
        this.seed = seed;
    }

    @Override
    public String name() {
        return "random";
    }

    @Override
    public Chooser chooserFor(long scheduleIndex) {
        return new RandomChooser(new SplittableRandom(Seeds.forSchedule(seed, scheduleIndex)));
    }
}
