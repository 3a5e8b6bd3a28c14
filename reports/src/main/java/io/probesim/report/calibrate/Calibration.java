package io.probesim.report.calibrate;

import io.probesim.probes.Era;
import io.probesim.report.PublishedFigure;
import io.probesim.report.measure.Measurement;
import io.probesim.report.measure.TimingBench;
import io.probesim.report.measure.TimingCase;
import io.probesim.report.measure.TimingCases;
import io.probesim.x86.cost.Cost;
import io.probesim.x86.cost.CostModel;
import io.probesim.x86.decode.Mode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fits at most four cost parameters on ONE published column (seed 001, x86-64: DESIGN.md
 * "Reports") so that the simulated per-hit times come close to the published ones; every other
 * column is then a prediction.
 *
 * <p>Method: a simulated hit's cycles are linear in the cost parameters (they are added, never
 * branched on, and the measurement runs one CPU without ticks), so the coefficient of each
 * fitted parameter in each row is found exactly by re-simulating with that parameter one cycle
 * higher. The fit then minimises the sum of squared relative errors plus a small pull of each
 * parameter towards its default (relative), which decides directions the column cannot (two
 * parameters always charged together); normal equations, Gaussian elimination, integer cycles.
 * Deterministic: no randomness, fixed order.
 */
public final class Calibration {
    /** The column fitted: seed 001's x86-64 figures. */
    public static final String FITTED_SOURCE = "seed 001 (2010)";
    public static final String FITTED_ARCH = "x86-64";
    /** The parameters fitted by default (at most four). */
    public static final List<Cost> DEFAULT_PARAMETERS = List.of(Cost.TRAP_ENTRY, Cost.DEBUG_TRAP_ENTRY, Cost.IRET, Cost.HANDLER_CALL);
    /** Weight of the pull towards the defaults, against relative errors of order 1. */
    static final double RIDGE = 1e-3;
    static final int HITS = 200;

    private Calibration() {}

    /** One fitted row: the published figure and the case that measures it. */
    public record FitRow(PublishedFigure figure, TimingCase tc) {}

    /** The fit: the model, what was fitted, on which rows, and the rows that could not be used. */
    public record Result(CostModel model, List<Cost> parameters, List<FitRow> rows, List<PublishedFigure> unmeasurable) {
        public String column() { return FITTED_SOURCE + " " + FITTED_ARCH; }
    }

    /** The rows of {@code figures} in the fitted column; nothing else is read. */
    /** No fit: {@code model} as given (a what-if run); every row is then a prediction. */
    public static Result none(CostModel model) {
        return new Result(model, List.of(), List.of(), List.of());
    }

    public static List<PublishedFigure> fittedColumn(List<PublishedFigure> figures) {
        return figures.stream().filter(Calibration::inFittedColumn).toList();
    }

    public static boolean inFittedColumn(PublishedFigure f) {
        return f.source().equals(FITTED_SOURCE) && f.arch().equals(FITTED_ARCH);
    }

    public static Result fit(List<PublishedFigure> figures) {
        return fit(figures, DEFAULT_PARAMETERS, CostModel.DEFAULT);
    }

    public static Result fit(List<PublishedFigure> figures, List<Cost> parameters, CostModel start) {
        if (parameters.isEmpty() || parameters.size() > 4) {
            throw new IllegalArgumentException("calibration fits one to four parameters, not " + parameters.size());
        }
        List<FitRow> rows = new ArrayList<>();
        List<PublishedFigure> unmeasurable = new ArrayList<>();
        for (PublishedFigure f : fittedColumn(figures)) {
            Optional<TimingCase> tc = Era.byName(f.era()).flatMap(e -> TimingCases.find(f.mechanism(), f.variant(), e, Mode.BITS64));
            if (tc.isPresent()) rows.add(new FitRow(f, tc.get())); else unmeasurable.add(f);
        }
        if (rows.isEmpty()) throw new IllegalStateException("no row of " + FITTED_SOURCE + " " + FITTED_ARCH + " can be measured");

        int n = rows.size(), k = parameters.size();
        double[] base = new double[n];
        double[][] a = new double[n][k];
        TimingBench at = new TimingBench(start);
        for (int r = 0; r < n; r++) base[r] = at.measure(rows.get(r).tc(), HITS).cyclesPerHit();
        for (int j = 0; j < k; j++) {
            Cost c = parameters.get(j);
            TimingBench bumped = new TimingBench(start.with(c, start.cycles(c) + 1));
            for (int r = 0; r < n; r++) a[r][j] = bumped.measure(rows.get(r).tc(), HITS).cyclesPerHit() - base[r];
        }
        // residual_r(x) = (base_r + sum_j a_rj x_j - target_r) / target_r with x_j = p_j - start_j
        double[][] m = new double[k][k];
        double[] rhs = new double[k];
        for (int r = 0; r < n; r++) {
            PublishedFigure f = rows.get(r).figure();
            double target = f.publishedUs() * 1000.0 * f.clockGhz();
            double w = 1.0 / (target * target);
            for (int i = 0; i < k; i++) {
                rhs[i] += w * a[r][i] * (target - base[r]);
                for (int j = 0; j < k; j++) m[i][j] += w * a[r][i] * a[r][j];
            }
        }
        for (int j = 0; j < k; j++) {
            double d = Math.max(1, start.cycles(parameters.get(j)));
            m[j][j] += RIDGE / (d * d);
        }
        double[] x = solve(m, rhs);
        CostModel model = start;
        for (int j = 0; j < k; j++) {
            Cost c = parameters.get(j);
            model = model.with(c, Math.max(0, Math.round(start.cycles(c) + x[j])));
        }
        return new Result(model, List.copyOf(parameters), List.copyOf(rows), List.copyOf(unmeasurable));
    }

    /** Gaussian elimination with partial pivoting (the matrix is symmetric positive definite). */
    static double[] solve(double[][] m0, double[] b0) {
        int k = b0.length;
        double[][] m = new double[k][];
        for (int i = 0; i < k; i++) m[i] = m0[i].clone();
        double[] b = b0.clone();
        for (int col = 0; col < k; col++) {
            int piv = col;
            for (int r = col + 1; r < k; r++) if (Math.abs(m[r][col]) > Math.abs(m[piv][col])) piv = r;
            double[] t = m[col]; m[col] = m[piv]; m[piv] = t;
            double tb = b[col]; b[col] = b[piv]; b[piv] = tb;
            if (m[col][col] == 0) throw new ArithmeticException("singular calibration system");
            for (int r = col + 1; r < k; r++) {
                double f = m[r][col] / m[col][col];
                for (int c = col; c < k; c++) m[r][c] -= f * m[col][c];
                b[r] -= f * b[col];
            }
        }
        double[] x = new double[k];
        for (int r = k - 1; r >= 0; r--) {
            double s = b[r];
            for (int c = r + 1; c < k; c++) s -= m[r][c] * x[c];
            x[r] = s / m[r][r];
        }
        return x;
    }

    /** Convenience for reports: the measurement of {@code tc} under {@code model}. */
    public static Measurement measure(CostModel model, TimingCase tc, int hits) {
        return new TimingBench(model).measure(tc, hits);
    }
}
