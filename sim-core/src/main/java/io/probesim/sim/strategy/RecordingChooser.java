package io.probesim.sim.strategy;

import io.probesim.sim.ChoiceKind;
import io.probesim.sim.Chooser;
import java.util.Arrays;

/**
 * Base of every chooser: records each choice with n > 1 and each actor pick, and implements
 * the stall protocol in terms of ordinary recorded choices, so that the replay chooser (which
 * runs the same protocol on recorded values) reproduces any strategy's run exactly.
 *
 * <p>Stall protocol: the first {@link #stallAfterStep} call draws a GAP g (0: never stall;
 * g > 0: stall at global step {@code g} counted from step 0). When that step is reached it
 * draws a STALL amount s (stall {@code s * STALL_UNIT_PS}) and the next GAP, counted from there.
 */
public abstract class RecordingChooser implements Chooser {
    private static final long UNSET = -1;
    private static final long NEVER = Long.MAX_VALUE;

    private int[] values = new int[64];
    private int size;
    private long nextStall = UNSET;

    /** A value in [0, n), n >= 2; the base records it. */
    protected abstract int draw(ChoiceKind kind, int n);

    /** An index into candidates (length >= 2); the base records it. */
    protected abstract int drawActor(int[] candidates);

    /** The next GAP, drawn when the previous stall point was {@code fromStep}; default: draw(GAP). */
    protected int drawGap(long fromStep) {
        return draw(ChoiceKind.GAP, GAP_CHOICES);
    }

    /** A STALL amount for {@code actor} at {@code step}; default: draw(STALL). */
    protected int drawStall(int actor, long step) {
        return draw(ChoiceKind.STALL, STALL_CHOICES);
    }

    @Override
    public final int choose(ChoiceKind kind, int n) {
        if (n <= 1) {
            return 0;
        }
        int v = draw(kind, n);
        if (v < 0 || v >= n) {
            throw new IllegalStateException(getClass().getSimpleName() + " drew " + v + " for a " + kind + " choice of " + n);
        }
        record(kind, n, v);
        return v;
    }

    @Override
    public final int pickActor(int[] candidates) {
        int v = drawActor(candidates);
        if (v < 0 || v >= candidates.length) {
            throw new IllegalStateException(getClass().getSimpleName() + " picked " + v + " of " + candidates.length + " candidates");
        }
        record(ChoiceKind.TIE, candidates.length, v);
        return v;
    }

    @Override
    public final long stallAfterStep(int actor, long step) {
        if (step < nextStall) {
            return 0; // the per-step fast path: one comparison
        }
        if (nextStall == UNSET) {
            nextStall = gapToStep(step - 1, chooseGap(step - 1));
            if (step < nextStall) {
                return 0;
            }
        }
        int amount = chooseStall(actor, step);
        nextStall = gapToStep(step, chooseGap(step));
        return amount * STALL_UNIT_PS;
    }

    @Override
    public final boolean mayStallAfterStep(long step) {
        return nextStall == UNSET || step >= nextStall;
    }

    private int chooseGap(long fromStep) {
        int v = drawGap(fromStep);
        if (v < 0 || v >= GAP_CHOICES) {
            throw new IllegalStateException(getClass().getSimpleName() + " drew gap " + v);
        }
        record(ChoiceKind.GAP, GAP_CHOICES, v);
        return v;
    }

    private int chooseStall(int actor, long step) {
        int v = drawStall(actor, step);
        if (v < 0 || v >= STALL_CHOICES) {
            throw new IllegalStateException(getClass().getSimpleName() + " drew stall " + v);
        }
        record(ChoiceKind.STALL, STALL_CHOICES, v);
        return v;
    }

    private static long gapToStep(long from, int gap) {
        return gap == 0 ? NEVER : from + gap;
    }

    /** Hook for choosers that keep more than the value (dfs keeps kind and n). */
    protected void record(ChoiceKind kind, int n, int value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = value;
    }

    @Override
    public final int[] recorded() {
        return Arrays.copyOf(values, size);
    }

    /** Number of recorded choices. */
    public final int recordedCount() {
        return size;
    }
}
