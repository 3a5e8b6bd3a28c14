package io.probesim.cli;

import io.probesim.scenario.ProbesConfig;
import io.probesim.scenario.ScenarioDefinition;

import java.util.ArrayList;
import java.util.List;

/**
 * The command line's --era and --knob, already checked against the catalog.
 *
 * @param era   null: keep the scenario's era
 * @param knobs added to the scenario's knobs (in order, no duplicates)
 */
public record Overrides(String era, List<String> knobs) {
    public static final Overrides NONE = new Overrides(null, List.of());

    public Overrides {
        knobs = List.copyOf(knobs);
    }

    public boolean isEmpty() { return era == null && knobs.isEmpty(); }

    public ScenarioDefinition applyTo(ScenarioDefinition s) {
        if (isEmpty()) {
            return s;
        }
        List<String> all = new ArrayList<>(s.probes().knobs());
        for (String k : knobs) {
            if (!all.contains(k)) {
                all.add(k);
            }
        }
        return s.withProbes(new ProbesConfig(era != null ? era : s.probes().era(), all, s.probes().designs()));
    }
}
