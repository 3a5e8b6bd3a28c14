package io.probesim.report.measure;

/**
 * What a timing case cost per probe hit: the probed run minus the unprobed one, divided by the
 * hits, for cycles, instructions and traps (int3 and debug exceptions).
 */
public record Measurement(TimingCase tc, long hits, double cyclesPerHit, double insnsPerHit, double trapsPerHit) {}
