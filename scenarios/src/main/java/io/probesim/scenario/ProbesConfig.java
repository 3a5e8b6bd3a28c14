package io.probesim.scenario;

import java.util.List;

/**
 * The probe mechanism's configuration ({@code probes { era '2006'; knob 'boostPreemptible'; design 'b1' }}).
 *
 * @param era       one of {@link Catalog#ERAS}
 * @param knobs     knobs in the order the script names them, without duplicates
 * @param blacklist functions the script marks "no kprobe" ({@code blacklist '__switch_to'})
 * @param designs   designs beyond the seeds (B1...) the script switches on, without duplicates
 */
public record ProbesConfig(String era, List<String> knobs, List<String> blacklist, List<String> designs) {
    public static final ProbesConfig DEFAULT = new ProbesConfig("modern", List.of());

    public ProbesConfig {
        knobs = List.copyOf(knobs);
        blacklist = List.copyOf(blacklist);
        designs = List.copyOf(designs);
    }

    /** No functions blacklisted beyond the kernel's own, no design beyond the seeds. */
    public ProbesConfig(String era, List<String> knobs) {
        this(era, knobs, List.of(), List.of());
    }

    /** The same configuration with another era and knobs (the CLI's overrides, a replay token). */
    public ProbesConfig with(String era, List<String> knobs) {
        return new ProbesConfig(era, knobs, blacklist, designs);
    }

    public boolean knob(String name) { return knobs.contains(name); }
}
