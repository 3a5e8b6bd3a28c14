package io.probesim.sim.explore;

import java.util.Optional;

/**
 * What an exploration did. {@code last} is the last schedule consumed in index order (the failing
 * one when a violation was found; null when no schedule ran).
 */
public record ExplorationResult(long schedules, long distinctInterleavings, double schedulesPerSecond,
                                Optional<Found> violation, RunResult last) {}
