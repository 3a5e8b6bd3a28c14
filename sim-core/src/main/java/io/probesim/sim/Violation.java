package io.probesim.sim;

/** A broken invariant: which one, why, and where in the log (the "violation" event) it was reported. */
public record Violation(String invariant, String message, long eventSeq, long time, int cpu) {}
