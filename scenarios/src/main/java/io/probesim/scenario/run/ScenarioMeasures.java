package io.probesim.scenario.run;

import io.probesim.probes.Era;
import io.probesim.report.TimingRecord;
import io.probesim.report.measure.MeasureException;
import io.probesim.report.measure.Measurement;
import io.probesim.report.measure.TimingBench;
import io.probesim.report.measure.TimingCase;
import io.probesim.report.measure.TimingCases;
import io.probesim.report.measure.Workload;
import io.probesim.scenario.MeasureDefinition;
import io.probesim.scenario.ScenarioDefinition;
import io.probesim.scenario.ScenarioException;
import io.probesim.x86.cost.CostModel;
import io.probesim.x86.decode.Mode;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs a scenario's {@code measure} words: each times its probe on the scenario's own text with
 * the {@link TimingBench} (one CPU, with and without the probe) and gives one timing record. The
 * record has no published figure: the workload is the user's, not the seeds'. The variant decides
 * CONFIG_PREEMPT as in {@link TimingCases}; the machine block gives bits and clock.
 */
public final class ScenarioMeasures {
    private ScenarioMeasures() {}

    public static List<TimingRecord> run(ScenarioDefinition def, CostModel costs) {
        String file = String.valueOf(def.file());
        Era era = Era.byName(def.probes().era()).orElseThrow(
                () -> new ScenarioException(file, 0, 0, "unknown era '" + def.probes().era() + "'", null));
        Mode mode = def.machine().bits() == 32 ? Mode.BITS32 : Mode.BITS64;
        TimingBench bench = new TimingBench(costs);
        List<TimingRecord> out = new ArrayList<>();
        for (MeasureDefinition md : def.measures()) {
            TimingCase tc = TimingCases.find(md.mechanism(), md.variant(), era, mode).orElseThrow(() -> new ScenarioException(
                    file, md.line(), 0, "measure " + md.mechanism() + " variant '" + md.variant()
                            + "' is not available on a " + def.machine().bits() + "-bit machine in era " + era.dslName(),
                    era == Era.E2006 ? "optimized probes start with era '2010'" : null));
            Workload w = new Workload(def.text().source(), md.at(), mode, md.call());
            Measurement m;
            try {
                m = bench.measure(tc, w, Math.toIntExact(md.hits()));
            } catch (MeasureException e) {
                throw new ScenarioException(file, md.line(), 0, e.getMessage(), null, e);
            }
            out.add(TimingRecord.of(md.mechanism(), tc.arch(), era.dslName(), md.variant(), m.hits(), m.trapsPerHit(),
                    m.insnsPerHit(), m.cyclesPerHit(), def.machine().clockGhz(), null));
        }
        return out;
    }
}
