package io.probesim.sim.strategy;

/** Seed derivation shared by the random strategies: one independent stream per (seed, schedule). */
final class Seeds {
    private Seeds() {}

    /** A well-mixed 64-bit seed for schedule {@code index} of a run seeded {@code seed}. */
    static long forSchedule(long seed, long index) {
        // Two rounds of a 64-bit finalizer (xor-shift-multiply); the golden-ratio step keeps
        // nearby indices far apart before mixing.
        return mix(mix(seed) + 0x9E3779B97F4A7C15L * (index + 1));
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
