package io.probesim.sim.strategy;

import io.probesim.sim.ChoiceKind;
import java.util.SplittableRandom;

/** Uniform random walk; stalls are rare (half of the runs never stall, the others every ~25k steps). */
final class RandomChooser extends RecordingChooser {
    static final int MAX_RANDOM_GAP = 50_000;

    private final SplittableRandom random;

    RandomChooser(SplittableRandom random) {
        this.random = random;
    }

    @Override
    protected int draw(ChoiceKind kind, int n) {
        return random.nextInt(n);
    }

    @Override
    protected int drawActor(int[] candidates) {
        return random.nextInt(candidates.length);
    }

    @Override
    protected int drawGap(long fromStep) {
        return random.nextBoolean() ? 0 : 1 + random.nextInt(MAX_RANDOM_GAP);
    }

    @Override
    protected int drawStall(int actor, long step) {
        return 1 + random.nextInt(STALL_CHOICES - 1); // a stall of 0 would be a wasted choice point
    }
}
