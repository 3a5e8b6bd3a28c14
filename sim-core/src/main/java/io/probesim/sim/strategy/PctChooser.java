package io.probesim.sim.strategy;

import io.probesim.sim.ChoiceKind;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010): the n actors get distinct
 * random priorities d..d+n-1; d-1 change points are drawn among steps 1..k; the highest-priority
 * candidate always steps; at the j-th change point the actor that just stepped drops to priority
 * d-j (below every initial one) and is stalled, so it is demoted in time as well as in rank.
 *
 * <p>Change points are expressed as GAP choices and the demotions as STALL choices of the common
 * stall protocol, and every pick is recorded, so the replay chooser reproduces a PCT run exactly.
 * Data choices (PHASE, JITTER, DATA, TIE) are uniform.
 */
final class PctChooser extends RecordingChooser {
    private final SplittableRandom random;
    private final int depth;
    private final int[] priority;      // by actor id; larger runs first
    private final long[] changePoints; // ascending, distinct
    private int nextChange;            // index of the next change point not yet reached

    PctChooser(SplittableRandom random, int depth, int actors, long steps) {
        this.random = random;
        this.depth = depth;
        // distinct priorities d..d+n-1 in random order (Fisher-Yates)
        priority = new int[actors];
        for (int i = 0; i < actors; i++) {
            priority[i] = depth + i;
        }
        for (int i = actors - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = priority[i];
            priority[i] = priority[j];
            priority[j] = t;
        }
        changePoints = drawChangePoints(random, depth - 1, steps);
    }

    /** {@code count} distinct steps uniform in 1..k (all of them when k <= count), ascending. */
    private static long[] drawChangePoints(SplittableRandom random, int count, long k) {
        if (count <= 0 || k <= 0) {
            return new long[0];
        }
        if (k <= count) {
            long[] all = new long[(int) k];
            for (int i = 0; i < all.length; i++) {
                all[i] = i + 1;
            }
            return all;
        }
        long[] cps = new long[count];
        int filled = 0;
        while (filled < count) {
            long c = 1 + random.nextLong(k);
            boolean dup = false;
            for (int i = 0; i < filled; i++) {
                dup |= cps[i] == c;
            }
            if (!dup) {
                cps[filled++] = c;
            }
        }
        Arrays.sort(cps);
        return cps;
    }

    long[] changePoints() {
        return changePoints.clone();
    }

    private int priorityOf(int actor) {
        // actors beyond the declared count rank below everything, lowest id first
        return actor < priority.length ? priority[actor] : -1 - actor;
    }

    @Override
    protected int drawActor(int[] candidates) {
        int best = 0;
        for (int i = 1; i < candidates.length; i++) {
            if (priorityOf(candidates[i]) > priorityOf(candidates[best])) {
                best = i;
            }
        }
        return best;
    }

    @Override
    protected int draw(ChoiceKind kind, int n) {
        return random.nextInt(n);
    }

    @Override
    protected int drawGap(long fromStep) {
        if (nextChange >= changePoints.length) {
            return 0;
        }
        long gap = changePoints[nextChange] - fromStep;
        // A change point too far for one GAP value is reached through stall-0 waypoints.
        return (int) Math.min(gap, GAP_CHOICES - 1);
    }

    @Override
    protected int drawStall(int actor, long step) {
        if (nextChange >= changePoints.length || changePoints[nextChange] != step) {
            return 0; // a waypoint, not a change point
        }
        int j = ++nextChange;
        if (actor < priority.length) {
            priority[actor] = depth - j;
        }
        return 1 + random.nextInt(STALL_CHOICES - 1);
    }
}
