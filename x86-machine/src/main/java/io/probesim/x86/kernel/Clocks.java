package io.probesim.x86.kernel;

/**
 * The clocks user programs read, all derived from simulated time (never the host's clock): the
 * reading CPU's local time is the time since boot. CLOCK_MONOTONIC counts from boot;
 * CLOCK_REALTIME and gettimeofday count from the Unix epoch, the machine booting at
 * {@link #BOOT_EPOCH_SECONDS} (2006-01-01T00:00:00Z, the seeds' era), so runs are reproducible.
 */
public final class Clocks {
    private Clocks() {}

    public static final int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1;
    /** Unix time of boot, seconds. */
    public static final long BOOT_EPOCH_SECONDS = 1_136_073_600L;

    /** Nanoseconds since boot at simulated time `ps`. */
    public static long monotonicNs(long ps) {
        return ps / 1000;
    }

    /** Nanoseconds since the Unix epoch at simulated time `ps`. */
    public static long realtimeNs(long ps) {
        return BOOT_EPOCH_SECONDS * 1_000_000_000L + monotonicNs(ps);
    }
}
