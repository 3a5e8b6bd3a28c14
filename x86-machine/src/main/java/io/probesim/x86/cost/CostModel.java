package io.probesim.x86.cost;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;

/**
 * The values of every {@link Cost} for one run: the defaults, or some of them overridden (a
 * calibration's candidate, a user's what-if). Immutable; {@link #with} returns a new model.
 */
public final class CostModel {
    public static final CostModel DEFAULT = new CostModel(defaults());

    private final long[] cycles;

    private CostModel(long[] cycles) {
        this.cycles = cycles;
    }

    private static long[] defaults() {
        Cost[] all = Cost.values();
        long[] c = new long[all.length];
        for (Cost k : all) c[k.ordinal()] = k.defaultCycles();
        return c;
    }

    public long cycles(Cost c) {
        return cycles[c.ordinal()];
    }

    /** This model with {@code c} set to {@code value} cycles (non-negative). */
    public CostModel with(Cost c, long value) {
        if (value < 0) throw new IllegalArgumentException(c.key() + " must not be negative, was " + value);
        long[] copy = cycles.clone();
        copy[c.ordinal()] = value;
        return new CostModel(copy);
    }

    /** The parameters that differ from their defaults, in declaration order. */
    public Map<Cost, Long> overrides() {
        Map<Cost, Long> m = new EnumMap<>(Cost.class);
        for (Cost c : Cost.values()) if (cycles(c) != c.defaultCycles()) m.put(c, cycles(c));
        return m;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CostModel m && Arrays.equals(cycles, m.cycles);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(cycles);
    }

    @Override
    public String toString() {
        return overrides().isEmpty() ? "CostModel(defaults)" : "CostModel" + overrides();
    }
}
