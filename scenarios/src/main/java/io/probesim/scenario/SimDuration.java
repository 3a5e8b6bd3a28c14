package io.probesim.scenario;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A span of simulated time in picoseconds, the unit of the whole simulator. Scripts write
 * {@code 30.us}; the DSL hands the engine plain {@code long} picoseconds.
 */
public record SimDuration(long ps) implements Comparable<SimDuration> {

    public static final long PS = 1, NS = 1_000, US = 1_000_000, MS = 1_000_000_000L, S = 1_000_000_000_000L;

    public SimDuration {
        if (ps < 0) {
            throw new IllegalArgumentException("a duration cannot be negative: " + ps + " ps");
        }
    }

    public static SimDuration ofPs(long ps) { return new SimDuration(ps); }
    public static SimDuration ofNs(long ns) { return new SimDuration(Math.multiplyExact(ns, NS)); }
    public static SimDuration ofUs(long us) { return new SimDuration(Math.multiplyExact(us, US)); }
    public static SimDuration ofMs(long ms) { return new SimDuration(Math.multiplyExact(ms, MS)); }

    /**
     * Exact scaling of a script number ({@code 2.5.us}) to picoseconds. BigDecimal keeps
     * 0.1.us from becoming 99999 ps; a fraction of a picosecond is rounded half-even.
     */
    public static SimDuration of(Number amount, long unitPs) {
        BigDecimal value = amount instanceof BigDecimal b ? b
                : (amount instanceof Double || amount instanceof Float)
                        ? new BigDecimal(amount.toString())
                        : new BigDecimal(amount.longValue());
        BigDecimal ps = value.multiply(BigDecimal.valueOf(unitPs)).setScale(0, RoundingMode.HALF_EVEN);
        return new SimDuration(ps.longValueExact());
    }

    public SimDuration plus(SimDuration other) { return new SimDuration(Math.addExact(ps, other.ps)); }

    /** Groovy operator {@code +}. */
    public SimDuration plus(Object other) {
        if (other instanceof SimDuration d) {
            return plus(d);
        }
        throw new IllegalArgumentException("can only add a duration to a duration, not " + other);
    }

    /** Groovy operator {@code *}: {@code 3 * 10.us} is written {@code 10.us * 3}. */
    public SimDuration multiply(Number factor) { return of(factor, ps); }

    /** Groovy's unary minus: {@code -10.us} is a script mistake, told where it is written. */
    public SimDuration negative() {
        throw new DslError("a time or duration cannot be negative: -" + this, "simulated time starts at 0: write e.g. " + this, "-");
    }

    @Override
    public int compareTo(SimDuration o) { return Long.compare(ps, o.ps); }

    /** The largest unit that divides exactly, so the text reads back as the same value. */
    @Override
    public String toString() {
        if (ps == 0) {
            return "0ps";
        }
        if (ps % S == 0) return ps / S + "s";
        if (ps % MS == 0) return ps / MS + "ms";
        if (ps % US == 0) return ps / US + "us";
        if (ps % NS == 0) return ps / NS + "ns";
        return ps + "ps";
    }
}
