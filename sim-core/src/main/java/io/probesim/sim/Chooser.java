package io.probesim.sim;

/** The single source of nondeterminism of a run. 0 is always the default outcome. */
public interface Chooser {
    /** GAP choices are drawn in [0, GAP_CHOICES); large enough for a PCT change point far into a run. */
    int GAP_CHOICES = 1 << 30;
    /** STALL choices are drawn in [0, STALL_CHOICES): at most 5 us. */
    int STALL_CHOICES = 51;
    /** One STALL unit: 100 ns. */
    long STALL_UNIT_PS = 100 * Time.NS;

    /** In [0, n); n <= 1 returns 0 and records nothing. */
    int choose(ChoiceKind kind, int n);

    /** Index into candidates (actor ids, ascending); length >= 2. Always recorded. */
    int pickActor(int[] candidates);

    /** Picoseconds to stall {@code actor} after global step {@code step} (usually 0). */
    long stallAfterStep(int actor, long step);

    /** Every recorded choice so far, in order (a copy). */
    int[] recorded();

    /**
     * Whether {@link #stallAfterStep} at global step {@code step} might stall or draw a choice;
     * false promises it would return 0 and record nothing (what lets {@link Simulation#continueInline}
     * skip the call). The default is the safe answer.
     */
    default boolean mayStallAfterStep(long step) {
        return true;
    }
}
