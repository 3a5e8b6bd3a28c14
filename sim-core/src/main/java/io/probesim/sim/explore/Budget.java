package io.probesim.sim.explore;

import java.time.Duration;

/**
 * When exploration stops: after {@code schedules} schedules or after {@code wallTime}, whichever
 * comes first. {@link #UNBOUNDED} schedules or a null wall time means no limit on that axis.
 */
public record Budget(long schedules, Duration wallTime) {
    public static final long UNBOUNDED = Long.MAX_VALUE;

    public Budget {
        if (schedules < 0) {
            throw new IllegalArgumentException("schedule budget must be >= 0, got " + schedules);
        }
        if (wallTime != null && wallTime.isNegative()) {
            throw new IllegalArgumentException("wall-time budget must not be negative, got " + wallTime);
        }
    }

    public static Budget schedules(long n) {
        return new Budget(n, null);
    }

    public static Budget wallTime(Duration d) {
        return new Budget(UNBOUNDED, d);
    }

    public boolean countBounded() {
        return schedules != UNBOUNDED;
    }
}
