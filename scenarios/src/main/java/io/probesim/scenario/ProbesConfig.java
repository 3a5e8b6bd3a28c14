package io.probesim.scenario;

import java.util.List;

/**
 * The probe mechanism's configuration ({@code probes { era '2006'; knob 'boostPreemptible'; design 'b1' }}).
 *
 * @param era     one of {@link Catalog#ERAS}
 * @param knobs   knobs in the order the script names them, without duplicates
 * @param designs designs beyond the seeds (B1...) the script switches on, without duplicates
 */
public record ProbesConfig(String era, List<String> knobs, List<String> designs) {
    public static final ProbesConfig DEFAULT = new ProbesConfig("modern", List.of());

    public ProbesConfig {
        knobs = List.copyOf(knobs);
        designs = List.copyOf(designs);
    }

    /** No design beyond the seeds. */
    public ProbesConfig(String era, List<String> knobs) {
        this(era, knobs, List.of());
    }

    public boolean knob(String name) { return knobs.contains(name); }
}
