package io.probesim.probes;

import java.util.EnumSet;
import java.util.Set;

/** An era plus the knobs switched off-safe and the designs beyond the seeds switched on for one run. */
public record ProbeConfig(Era era, Set<Knob> knobs, Set<Design> designs) {
    public ProbeConfig {
        knobs = knobs.isEmpty() ? EnumSet.noneOf(Knob.class) : EnumSet.copyOf(knobs);
        designs = designs.isEmpty() ? EnumSet.noneOf(Design.class) : EnumSet.copyOf(designs);
    }

    /** The era as it was, plus knobs. */
    public ProbeConfig(Era era, Set<Knob> knobs) {
        this(era, knobs, EnumSet.noneOf(Design.class));
    }

    public boolean has(Knob knob) {
        return knobs.contains(knob);
    }

    public boolean has(Design design) {
        return designs.contains(design);
    }
}
