package io.probesim.sim.strategy;

import io.probesim.sim.ChoiceKind;

/**
 * Plays back a recorded sequence. Exhausted or out-of-range values answer 0, the default
 * outcome, which is what lets the shrinker try arbitrary edited sequences. What it records is
 * what it actually answered.
 */
final class ReplayChooser extends RecordingChooser {
    private final int[] script;
    private int next;

    ReplayChooser(int[] script) {
        this.script = script.clone();
    }

    private int take(int n) {
        if (next >= script.length) {
            return 0;
        }
        int v = script[next++];
        return v >= 0 && v < n ? v : 0;
    }

    @Override
    protected int draw(ChoiceKind kind, int n) {
        return take(n);
    }

    @Override
    protected int drawActor(int[] candidates) {
        return take(candidates.length);
    }

    @Override
    protected int drawGap(long fromStep) {
        return take(GAP_CHOICES);
    }

    @Override
    protected int drawStall(int actor, long step) {
        return take(STALL_CHOICES);
    }
}
