package io.probesim.sim;

/** A named safety property, checked while a run goes (checkers observe the event log and report to {@link Violations}). */
public interface Invariant {
    String name();

    /** One sentence, for {@code probesim list invariants}. */
    String holdsWhen();
}
