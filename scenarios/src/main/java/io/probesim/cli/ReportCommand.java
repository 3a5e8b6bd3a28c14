package io.probesim.cli;

import io.probesim.probes.Era;
import io.probesim.report.PublishedFigures;
import io.probesim.report.TimingChart;
import io.probesim.report.TimingCsv;
import io.probesim.report.TimingReport;
import io.probesim.report.calibrate.Calibration;
import io.probesim.x86.cost.Cost;
import io.probesim.x86.cost.CostModel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code probesim report timing [--out DIR] [--era ...]}: calibrates the cost model on seed 001's
 * x86-64 column, measures every published kprobes-family row, and writes {@code timing.csv}
 * (DESIGN.md's columns), {@code timing.png} and {@code timing.txt} (the summary printed here).
 * Exit status 0 when every row group keeps its published order, 1 when one does not, 2 for
 * wrong arguments.
 */
@Command(name = "report", mixinStandardHelpOptions = true, description = "Timing reports (CSV, chart, summary).")
final class ReportCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "timing", description = "the report to write (timing)")
    String kind;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "probesim-report", description = "output folder (default: ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--era", paramLabel = "ERA", split = ",", description = "only rows of these eras (2006, 2010, ...); default all")
    List<String> eras = List.of();

    @Option(names = "--hits", paramLabel = "N", defaultValue = "" + TimingReport.DEFAULT_HITS, description = "probe hits per row (default: ${DEFAULT-VALUE})")
    int hits;

    @Option(names = "--cost", paramLabel = "NAME=CYCLES", description = "set a cost parameter before fitting (names: see --help)")
    Map<String, Long> costs = Map.of();

    @Option(names = "--no-fit", description = "no calibration: measure with the defaults and any --cost given")
    boolean noFit;

    @Option(names = "--scenario", paramLabel = "FILE", description = "report the `measure` words of this scenario instead of the published tables")
    Path scenario;

    @Override
    public Integer call() throws IOException {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter e = spec.commandLine().getErr();
        if (!kind.equals("timing")) {
            e.println("probesim report: unknown report '" + kind + "'; there is: timing");
            return ProbesimCli.USAGE;
        }
        if (hits < 1) {
            e.println("probesim report: --hits must be at least 1, was " + hits);
            return ProbesimCli.USAGE;
        }
        Set<String> eraSet = new LinkedHashSet<>();
        for (String era : eras) {
            if (Era.byName(era).isEmpty()) {
                e.println("probesim report: unknown era '" + era + "'; eras: "
                        + String.join(", ", Arrays.stream(Era.values()).map(Era::dslName).toList()));
                return ProbesimCli.USAGE;
            }
            eraSet.add(era);
        }
        CostModel model = CostModel.DEFAULT;
        for (Map.Entry<String, Long> c : costs.entrySet()) {
            var cost = Cost.byKey(c.getKey());
            if (cost.isEmpty()) {
                e.println("probesim report: unknown cost '" + c.getKey() + "'; costs: "
                        + String.join(", ", Arrays.stream(Cost.values()).map(Cost::key).toList()));
                return ProbesimCli.USAGE;
            }
            if (c.getValue() < 0) {
                e.println("probesim report: cost " + c.getKey() + " must not be negative");
                return ProbesimCli.USAGE;
            }
            model = model.with(cost.get(), c.getValue());
        }
        var figures = PublishedFigures.all();
        if (scenario != null) {
            return scenarioReport(o, e, figures, model);
        }
        Calibration.Result fit = noFit ? Calibration.none(model)
                : Calibration.fit(figures, Calibration.DEFAULT_PARAMETERS, model);
        TimingReport report = TimingReport.build(figures, fit, hits, eraSet);
        Files.createDirectories(out);
        TimingCsv.write(out.resolve("timing.csv"), report.records());
        TimingChart.write(out.resolve("timing.png"), report);
        String summary = report.summary();
        Path txt = out.resolve("timing.txt");
        Path tmp = Files.createTempFile(out, "timing.txt", ".tmp");
        Files.writeString(tmp, summary, StandardCharsets.UTF_8);
        Files.move(tmp, txt, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        o.print(summary);
        o.println("wrote " + out.resolve("timing.csv") + ", " + out.resolve("timing.png") + ", " + txt);
        o.flush();
        return report.ordersHold() ? ProbesimCli.OK : ProbesimCli.VIOLATION;
    }

    /** The scenario's own measurements, with the calibrated (or, with --no-fit, the given) cost model. */
    private int scenarioReport(PrintWriter o, PrintWriter e, List<io.probesim.report.PublishedFigure> figures, CostModel model) {
        var def = io.probesim.scenario.ScenarioLoader.load(scenario);
        if (def.measures().isEmpty()) {
            e.println(scenario + ": the scenario has no measure words (write: "
                    + "measure 'kprobe', variant: 'booster', at: 'my_func', hits: 1000)");
            return ProbesimCli.USAGE;
        }
        CostModel costs = noFit ? model : Calibration.fit(figures, Calibration.DEFAULT_PARAMETERS, model).model();
        var records = io.probesim.scenario.run.ScenarioMeasures.run(def, costs);
        Path csv = out.resolve("timing.csv");
        TimingCsv.write(csv, records);
        o.println("cost model: " + (noFit ? "as given" : "calibrated on " + Calibration.FITTED_SOURCE + " " + Calibration.FITTED_ARCH)
                + " " + costs);
        for (var r : records) {
            o.printf(java.util.Locale.ROOT, "%-9s %-6s %-6s %-13s hits %d: %.2f traps, %.2f insns, %.1f cycles, %.1f ns per hit%n",
                    r.mechanism(), r.arch(), r.era(), r.variant(), r.hits(), r.trapsPerHit(), r.insnsPerHit(), r.cyclesPerHit(), r.nsPerHit());
        }
        o.println("wrote " + csv);
        o.flush();
        return ProbesimCli.OK;
    }
}
