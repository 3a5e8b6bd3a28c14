package io.probesim.sim.strategy;

import io.probesim.sim.ChoiceKind;
import java.util.Arrays;

/**
 * Follows a forced prefix of values, then answers 0. Keeps (kind, n, value) of every choice so
 * the strategy can compute the next branch. GAP and STALL are always 0: dfs explores orderings,
 * and stalls would only multiply the tree without new orders at unit granularity.
 */
final class DfsChooser extends RecordingChooser {
    private final int[] prefix;
    private int next;
    private ChoiceKind[] kinds = new ChoiceKind[64];
    private int[] ns = new int[64];
    private int count;

    DfsChooser(int[] prefix) {
        this.prefix = prefix;
    }

    private int take(int n) {
        int v = next < prefix.length ? prefix[next] : 0;
        next++;
        return v < n ? v : 0;
    }

    @Override
    protected int draw(ChoiceKind kind, int n) {
        return kind == ChoiceKind.GAP || kind == ChoiceKind.STALL ? skip() : take(n);
    }

    @Override
    protected int drawActor(int[] candidates) {
        return take(candidates.length);
    }

    @Override
    protected int drawGap(long fromStep) {
        return skip();
    }

    @Override
    protected int drawStall(int actor, long step) {
        return skip();
    }

    private int skip() {
        next++;
        return 0;
    }

    @Override
    protected void record(ChoiceKind kind, int n, int value) {
        super.record(kind, n, value);
        if (count == kinds.length) {
            kinds = Arrays.copyOf(kinds, count * 2);
            ns = Arrays.copyOf(ns, count * 2);
        }
        kinds[count] = kind;
        ns[count] = n;
        count++;
    }

    /**
     * The prefix of the next leaf in depth-first order: the deepest branchable position whose
     * increment keeps the number of non-zero choices within {@code bound} (-1: unbounded),
     * incremented, everything after it dropped. Null when the tree is exhausted.
     */
    int[] nextPrefix(int bound) {
        int[] values = recorded();
        int[] nonZeroBefore = new int[count + 1];
        for (int i = 0; i < count; i++) {
            nonZeroBefore[i + 1] = nonZeroBefore[i] + (values[i] != 0 ? 1 : 0);
        }
        for (int pos = count - 1; pos >= 0; pos--) {
            if (kinds[pos] == ChoiceKind.GAP || kinds[pos] == ChoiceKind.STALL || values[pos] >= ns[pos] - 1) {
                continue;
            }
            // the incremented value is non-zero, so it counts as one
            if (bound >= 0 && nonZeroBefore[pos] + 1 > bound) {
                continue;
            }
            int[] p = Arrays.copyOf(values, pos + 1);
            p[pos]++;
            return p;
        }
        return null;
    }
}
