package io.probesim.scenario;

import java.util.List;

/**
 * The probe mechanism's configuration ({@code probes { era '2006'; knob 'boostPreemptible' }}).
 *
 * @param era   one of {@link Catalog#ERAS}
 * @param knobs knobs in the order the script names them, without duplicates
 * @param blacklist functions the script marks "no kprobe" ({@code blacklist '__switch_to'})
 */
public record ProbesConfig(String era, List<String> knobs, List<String> blacklist) {
    public static final ProbesConfig DEFAULT = new ProbesConfig("modern", List.of());

    public ProbesConfig {
        knobs = List.copyOf(knobs);
        blacklist = List.copyOf(blacklist);
    }

    /** No functions blacklisted beyond the kernel's own. */
    public ProbesConfig(String era, List<String> knobs) {
        this(era, knobs, List.of());
    }

    /** The same configuration with another era and knobs (the CLI's overrides, a replay token). */
    public ProbesConfig with(String era, List<String> knobs) {
        return new ProbesConfig(era, knobs, blacklist);
    }

    public boolean knob(String name) { return knobs.contains(name); }
}
