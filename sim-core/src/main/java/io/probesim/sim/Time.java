package io.probesim.sim;

/** Simulated time: a {@code long} of picoseconds. Formatting is pure integer arithmetic, so every JDK prints the same. */
public final class Time {
    public static final long PS = 1, NS = 1_000, US = 1_000_000, MS = 1_000_000_000L;
    public static final long S = 1_000_000_000_000L;

    private static final long[] UNITS = {S, MS, US, NS, PS};
    private static final String[] NAMES = {"s", "ms", "us", "ns", "ps"};

    private Time() {}

    /**
     * Formats with the largest unit the value reaches and up to three decimals, truncated and
     * without trailing zeros: {@code 12_345_678 -> "12.345us"}, {@code 3_000 -> "3ns"}, {@code 0 -> "0ps"}.
     */
    public static String format(long ps) {
        if (ps == Long.MIN_VALUE) {
            // |MIN_VALUE| does not fit a long; it is 9223372.036854775808 s, printed truncated.
            return "-9223372.036s";
        }
        StringBuilder sb = new StringBuilder(16);
        if (ps < 0) {
            sb.append('-');
            ps = -ps;
        }
        int u = 0;
        while (u < UNITS.length - 1 && ps < UNITS[u]) {
            u++;
        }
        long unit = UNITS[u];
        sb.append(ps / unit);
        if (unit >= 1000) {
            // three decimals = the value in units of unit/1000, truncated
            long frac = (ps % unit) / (unit / 1000);
            if (frac != 0) {
                int digits = 3;
                while (frac % 10 == 0) {
                    frac /= 10;
                    digits--;
                }
                sb.append('.');
                String f = Long.toString(frac);
                for (int i = f.length(); i < digits; i++) {
                    sb.append('0');
                }
                sb.append(f);
            }
        }
        return sb.append(NAMES[u]).toString();
    }
}
