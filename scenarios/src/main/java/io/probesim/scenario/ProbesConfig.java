package io.probesim.scenario;

import java.util.List;

/**
 * The probe mechanism's configuration ({@code probes { era '2006'; knob 'boostPreemptible' }}).
 *
 * @param era   one of {@link Catalog#ERAS}
 * @param knobs knobs in the order the script names them, without duplicates
 */
public record ProbesConfig(String era, List<String> knobs) {
    public static final ProbesConfig DEFAULT = new ProbesConfig("modern", List.of());

    public ProbesConfig {
        knobs = List.copyOf(knobs);
    }

    public boolean knob(String name) { return knobs.contains(name); }
}
