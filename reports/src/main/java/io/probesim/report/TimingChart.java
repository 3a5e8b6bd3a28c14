package io.probesim.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A PNG bar chart (XChart, headless) of simulated beside published microseconds per hit, one pair
 * of bars per measured row; missing rows are left out (their absence is in the CSV and summary).
 * Written to a temp file and renamed, as the CSV is.
 */
public final class TimingChart {
    static final int HEIGHT = 700;

    private TimingChart() {}

    public static void write(Path file, TimingReport report) {
        System.setProperty("java.awt.headless", "true");
        List<String> labels = new ArrayList<>();
        List<Double> simulated = new ArrayList<>();
        List<Double> published = new ArrayList<>();
        for (TimingReport.Row r : report.rows()) {
            if (r.role() == TimingReport.Role.MISSING) continue;
            PublishedFigure f = r.figure();
            labels.add(f.mechanism() + " " + f.variant() + " " + f.arch() + " " + f.era() + " (" + shortSource(f.source()) + ")");
            simulated.add(r.record().nsPerHit() / 1000.0);
            published.add(f.publishedUs());
        }
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(800, 200 * labels.size())).height(HEIGHT)
                .title("probe overhead per hit: simulated (calibrated on " + report.fit().column() + ") vs published")
                .xAxisTitle("row").yAxisTitle("us per hit").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setXAxisLabelRotation(30);
        if (!labels.isEmpty()) {
            chart.addSeries("simulated", labels, simulated);
            chart.addSeries("published", labels, published);
        }
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // already renamed, or the write failed
                }
            }
        }
    }

    private static String shortSource(String source) {
        int paren = source.indexOf(" (");
        return paren > 0 ? source.substring(0, paren) : source;
    }
}
