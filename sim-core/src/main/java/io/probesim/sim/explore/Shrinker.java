package io.probesim.sim.explore;

import java.util.Arrays;

/**
 * Delta debugging over the choice sequence (Zeller and Hildebrandt's ddmin, complement steps
 * only), then a value pass lowering each remaining choice to 0, else halving it while it still
 * fails. A candidate is kept only if replaying it violates the same invariant; since replay
 * answers 0 past the end, a kept candidate is replaced by what replay actually consumed,
 * trimmed of trailing zeros, so the sequence never grows.
 */
public final class Shrinker {
    private final ScheduleRunner runner;
    private final String invariant;
    private final int maxRuns;
    private int runs;
    private RunResult best;

    private Shrinker(ScheduleRunner runner, String invariant, int maxRuns) {
        this.runner = runner;
        this.invariant = invariant;
        this.maxRuns = maxRuns;
    }

    /** Shrinks a failing run within {@code maxRuns} replays; returns a failing run with the same invariant. */
    public static RunResult shrink(ScheduleRunner runner, RunResult failing, int maxRuns) {
        if (failing.violation().isEmpty()) {
            throw new IllegalArgumentException("only a failing run can be shrunk");
        }
        Shrinker s = new Shrinker(runner, failing.invariant(), Math.max(1, maxRuns));
        int[] start = trim(failing.choices());
        if (!s.fails(start)) {
            // Replay does not reproduce the run (a nondeterministic runner): nothing safe to do.
            return failing.withChoices(start);
        }
        s.ddmin();
        s.lowerValues();
        return s.best;
    }

    /** Replays a candidate; on the same violation remembers it as the best so far. */
    private boolean fails(int[] candidate) {
        if (runs >= maxRuns) {
            return false;
        }
        runs++;
        RunResult r = runner.run(Strategies.replay(candidate));
        if (!invariant.equals(r.invariant())) {
            return false;
        }
        int[] consumed = trim(r.choices());
        if (best != null && consumed.length > best.choices().length) {
            return false; // cannot happen with a conforming replay chooser; never lengthen anyway
        }
        best = r.withChoices(consumed);
        return true;
    }

    private int[] current() {
        return best.choices();
    }

    private void ddmin() {
        int granularity = 2;
        while (current().length >= 2 && runs < maxRuns) {
            int[] seq = current();
            int len = seq.length;
            int chunk = (len + granularity - 1) / granularity;
            boolean reduced = false;
            for (int start = 0; start < len && runs < maxRuns; start += chunk) {
                int end = Math.min(len, start + chunk);
                int[] complement = new int[len - (end - start)];
                System.arraycopy(seq, 0, complement, 0, start);
                System.arraycopy(seq, end, complement, start, len - end);
                if (fails(complement)) {
                    granularity = Math.max(granularity - 1, 2);
                    reduced = true;
                    break;
                }
            }
            if (!reduced) {
                if (granularity >= len) {
                    break;
                }
                granularity = Math.min(granularity * 2, len);
            }
        }
    }

    private void lowerValues() {
        for (int i = 0; i < current().length && runs < maxRuns; i++) {
            int v = current()[i];
            if (v == 0) {
                continue;
            }
            if (tryValue(i, 0)) {
                continue;
            }
            while (v > 1 && runs < maxRuns) {
                v /= 2;
                if (!tryValue(i, v)) {
                    break;
                }
            }
        }
    }

    private boolean tryValue(int i, int v) {
        int[] candidate = current().clone();
        if (i >= candidate.length) {
            return false;
        }
        candidate[i] = v;
        return fails(candidate);
    }

    static int[] trim(int[] choices) {
        int n = choices.length;
        while (n > 0 && choices[n - 1] == 0) {
            n--;
        }
        return Arrays.copyOf(choices, n);
    }
}
