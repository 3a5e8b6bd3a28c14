package io.probesim.probes;

import java.util.EnumSet;
import java.util.Set;

/** An era plus the knobs switched off-safe for one run. */
public record ProbeConfig(Era era, Set<Knob> knobs) {
    public ProbeConfig {
        knobs = knobs.isEmpty() ? EnumSet.noneOf(Knob.class) : EnumSet.copyOf(knobs);
    }

    public boolean has(Knob knob) {
        return knobs.contains(knob);
    }
}
