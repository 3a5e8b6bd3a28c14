package io.probesim.report;

import io.probesim.probes.Era;
import io.probesim.report.calibrate.Calibration;
import io.probesim.report.measure.Measurement;
import io.probesim.report.measure.TimingBench;
import io.probesim.report.measure.TimingCase;
import io.probesim.report.measure.TimingCases;
import io.probesim.x86.cost.Cost;
import io.probesim.x86.decode.Mode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The kprobes-family timing report: every published figure of kprobe, kretprobe and jprobe
 * beside the simulated cost of the same row under the calibrated cost model. A row is FITTED
 * (in the calibrated column), PREDICTED (any other column: its error is the model's error) or
 * MISSING (no mechanism in this build to measure it: no number is invented).
 */
public final class TimingReport {
    public static final Set<String> MECHANISMS = Set.of("kprobe", "kretprobe", "jprobe");
    public static final int DEFAULT_HITS = 1000;

    /**
     * Clocks for sources that do not state one, to turn cycles into ns. Seed 000's figures are
     * the LKML 2006-01-31 Pentium 4 ones rounded (1.3/1.270, 0.6/0.573, 0.9/0.918), so the same
     * 3.06 GHz machine is assumed [?].
     */
    static final Map<String, Double> ASSUMED_CLOCK_GHZ = Map.of("seed 000 (2006)", 3.06);

    public enum Role { FITTED, PREDICTED, MISSING }

    /** One row: the published figure, its role, the report record, and why it is missing. */
    public record Row(PublishedFigure figure, Role role, TimingRecord record, String missingReason) {
        /** simulated / published - 1, or NaN when missing. */
        public double error() {
            return record.ratioToPublished() == null ? Double.NaN : record.ratioToPublished() - 1.0;
        }
    }

    /** The published order of one row group checked on the simulated rows. */
    public record OrderCheck(String group, List<String> publishedOrder, List<String> simulatedOrder, List<String> missing) {
        public boolean holds() { return publishedOrder.equals(simulatedOrder); }
        public String verdict() {
            if (publishedOrder.size() < 2) return "n/a (fewer than two rows measured" + missingNote() + ")";
            return (holds() ? "OK" : "VIOLATED") + missingNote();
        }
        private String missingNote() { return missing.isEmpty() ? "" : "; missing: " + String.join(", ", missing); }
    }

    /**
     * A variant's cost over its group's plain row, simulated beside published. The ratio needs no
     * clock, so it is the comparison that stands where a source does not state its CPU (seed
     * 000) or where the CPU differs from the calibrated one (LKML's Pentium 4): a trap-dominated
     * ratio is about the mechanism (how many traps a variant saves), less about the machine.
     */
    public record RatioCheck(String group, String variant, double published, double simulated) {
        /** simulated / published - 1. */
        public double error() { return simulated / published - 1.0; }
    }

    private final Calibration.Result fit;
    private final List<Row> rows;
    private final List<OrderCheck> orders;
    private final List<RatioCheck> ratios;

    private TimingReport(Calibration.Result fit, List<Row> rows) {
        this.fit = fit;
        this.rows = List.copyOf(rows);
        this.orders = orderChecks(rows);
        this.ratios = ratioChecks(rows);
    }

    public List<RatioCheck> ratioChecks() { return ratios; }

    public Calibration.Result fit() { return fit; }
    public List<Row> rows() { return rows; }
    public List<OrderCheck> orderChecks() { return orders; }
    public List<TimingRecord> records() { return rows.stream().map(Row::record).toList(); }

    /**
     * Measures every kprobes-family figure of {@code figures} whose era is in {@code eras} (all
     * when empty) under {@code fit}'s model, {@code hits} hits per row.
     */
    public static TimingReport build(List<PublishedFigure> figures, Calibration.Result fit, int hits, Set<String> eras) {
        TimingBench bench = new TimingBench(fit.model());
        Map<String, Object> cache = new LinkedHashMap<>();   // label -> Measurement or a reason
        List<Row> out = new ArrayList<>();
        for (PublishedFigure f : figures) {
            if (!MECHANISMS.contains(f.mechanism())) continue;
            if (!eras.isEmpty() && !eras.contains(f.era())) continue;
            double clock = f.clockKnown() ? f.clockGhz() : ASSUMED_CLOCK_GHZ.getOrDefault(f.source(), Double.NaN);
            Mode mode = f.arch().equals("x86-32") ? Mode.BITS32 : Mode.BITS64;
            Optional<TimingCase> tc = Era.byName(f.era()).flatMap(e -> TimingCases.find(f.mechanism(), f.variant(), e, mode));
            Object m;
            if (tc.isEmpty()) {
                m = Era.byName(f.era()).map(e -> TimingCases.whyMissing(f.mechanism(), f.variant(), e, mode))
                        .orElse("no era " + f.era() + " in this build");
            } else {
                m = cache.computeIfAbsent(tc.get().label(), k -> {
                    try {
                        return bench.measure(tc.get(), hits);
                    } catch (RuntimeException e) {   // a refused probe, a panic: the row is missing, with why
                        return "cannot be measured: " + e.getMessage();
                    }
                });
            }
            if (m instanceof Measurement meas && !Double.isNaN(clock)) {
                TimingRecord rec = TimingRecord.of(f.mechanism(), f.arch(), f.era(), f.variant(), meas.hits(),
                        meas.trapsPerHit(), meas.insnsPerHit(), meas.cyclesPerHit(), clock, f);
                out.add(new Row(f, !fit.parameters().isEmpty() && Calibration.inFittedColumn(f) ? Role.FITTED : Role.PREDICTED, rec, null));
            } else {
                String why = m instanceof String s ? s : "no clock stated for " + f.source();
                TimingRecord rec = new TimingRecord(f.mechanism(), f.arch(), f.era(), f.variant(), 0,
                        Double.NaN, Double.NaN, Double.NaN, Double.NaN, clock, f.publishedUs(), f.source(), null);
                out.add(new Row(f, Role.MISSING, rec, why));
            }
        }
        return new TimingReport(fit, out);
    }

    public static TimingReport build(int hits, Set<String> eras) {
        List<PublishedFigure> all = PublishedFigures.all();
        return build(all, Calibration.fit(all), hits, eras);
    }

    /** Row groups: one table column of one source and mechanism; published order vs simulated order. */
    static List<OrderCheck> orderChecks(List<Row> rows) {
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        for (Row r : rows) {
            PublishedFigure f = r.figure();
            groups.computeIfAbsent(f.source() + " " + f.arch() + " " + f.mechanism(), k -> new ArrayList<>()).add(r);
        }
        List<OrderCheck> out = new ArrayList<>();
        groups.forEach((g, rs) -> {
            List<Row> measured = rs.stream().filter(r -> r.role() != Role.MISSING).toList();
            List<String> missing = rs.stream().filter(r -> r.role() == Role.MISSING).map(r -> r.figure().variant()).toList();
            if (rs.size() < 2) return;
            List<String> published = measured.stream()
                    .sorted(Comparator.comparingDouble((Row r) -> r.figure().publishedUs()))
                    .map(r -> r.figure().variant()).toList();
            List<String> simulated = measured.stream()
                    .sorted(Comparator.comparingDouble((Row r) -> r.record().cyclesPerHit()))
                    .map(r -> r.figure().variant()).toList();
            out.add(new OrderCheck(g, published, simulated, missing));
        });
        return out;
    }

    /** Per group (as {@link #orderChecks}), every measured variant over the measured "plain" row. */
    static List<RatioCheck> ratioChecks(List<Row> rows) {
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        for (Row r : rows) {
            if (r.role() == Role.MISSING) continue;
            PublishedFigure f = r.figure();
            groups.computeIfAbsent(f.source() + " " + f.arch() + " " + f.mechanism(), k -> new ArrayList<>()).add(r);
        }
        List<RatioCheck> out = new ArrayList<>();
        groups.forEach((g, rs) -> rs.stream().filter(r -> r.figure().variant().equals("plain")).findFirst().ifPresent(plain -> {
            for (Row r : rs) {
                if (r == plain) continue;
                out.add(new RatioCheck(g, r.figure().variant(), r.figure().publishedUs() / plain.figure().publishedUs(),
                        r.record().cyclesPerHit() / plain.record().cyclesPerHit()));
            }
        }));
        return out;
    }

    /** The terminal summary: calibration, every row with its error, the order checks, the ratio checks. */
    public String summary() {
        StringBuilder b = new StringBuilder();
        if (fit.parameters().isEmpty()) {
            b.append("calibration: none; cost model ").append(fit.model()).append('\n');
        } else {
        b.append("calibration: fitted on ").append(fit.column()).append(" (")
                .append(fit.rows().size()).append(" rows: ")
                .append(String.join(", ", fit.rows().stream().map(r -> r.figure().mechanism() + "/" + r.figure().variant()).toList()))
                .append(")\n");
        b.append("  parameters (cycles):");
        for (Cost c : fit.parameters()) {
            b.append(' ').append(c.key()).append('=').append(fit.model().cycles(c))
                    .append(" (default ").append(c.defaultCycles()).append(')');
        }
        b.append('\n');
        if (!fit.unmeasurable().isEmpty()) {
            b.append("  not fitted (not modelled in this build): ")
                    .append(String.join(", ", fit.unmeasurable().stream().map(f -> f.mechanism() + "/" + f.variant()).toList()))
                    .append('\n');
        }
        }
        b.append(String.format(Locale.ROOT, "%-9s %-28s %-10s %-6s %-18s %7s %7s %7s %9s %9s %8s%n",
                "role", "source", "mechanism", "arch", "variant", "traps", "insns", "cycles", "sim_us", "pub_us", "error"));
        for (Row r : rows) {
            TimingRecord t = r.record();
            PublishedFigure f = r.figure();
            if (r.role() == Role.MISSING) {
                b.append(String.format(Locale.ROOT, "%-9s %-28s %-10s %-6s %-18s %7s %7s %7s %9s %9.3f %8s  %s%n",
                        "missing", f.source(), f.mechanism(), f.arch(), f.variant(), "-", "-", "-", "-", f.publishedUs(), "-", r.missingReason()));
            } else {
                b.append(String.format(Locale.ROOT, "%-9s %-28s %-10s %-6s %-18s %7.2f %7.2f %7.1f %9.3f %9.3f %+7.1f%%%n",
                        r.role().name().toLowerCase(Locale.ROOT), f.source(), f.mechanism(), f.arch(), f.variant(),
                        t.trapsPerHit(), t.insnsPerHit(), t.cyclesPerHit(), t.nsPerHit() / 1000.0, f.publishedUs(), 100 * r.error()));
            }
        }
        b.append("published order (fastest first), checked on the simulated rows:\n");
        for (OrderCheck o : orders) {
            b.append("  ").append(o.group()).append(": ").append(String.join(" < ", o.publishedOrder()))
                    .append("  ").append(o.verdict());
            if (!o.holds()) b.append(" (simulated: ").append(String.join(" < ", o.simulatedOrder())).append(')');
            b.append('\n');
        }
        b.append("cost over the group's plain row (clock-free), published beside simulated:\n");
        for (RatioCheck c : ratios) {
            b.append(String.format(Locale.ROOT, "  %-40s %-18s %6.3f %6.3f %+7.1f%%%n",
                    c.group(), c.variant() + "/plain", c.published(), c.simulated(), 100 * c.error()));
        }
        return b.toString();
    }

    /** True when every group's published order holds on the simulated rows. */
    public boolean ordersHold() {
        return orders.stream().allMatch(OrderCheck::holds);
    }
}
