package io.probesim.report;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes timing reports as CSV (DESIGN.md "Reports"): UTF-8, a header row, one record per
 * (mechanism, arch, era, variant), written to a temp file in the same folder and renamed, so a
 * reader never sees half a file.
 */
public final class TimingCsv {
    public static final List<String> HEADER = List.of("mechanism", "arch", "era", "variant", "hits",
            "traps_per_hit", "insns_per_hit", "cycles_per_hit", "ns_per_hit", "clock_ghz",
            "published_us", "published_source", "ratio_to_published");

    private TimingCsv() {}

    public static void write(Path file, List<TimingRecord> records) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                write(w, records);
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
                    // the rename already happened or the write failed: nothing more to clean
                }
            }
        }
    }

    public static void write(Writer out, List<TimingRecord> records) throws IOException {
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader(HEADER.toArray(String[]::new))
                .setRecordSeparator("\n").get();
        CSVPrinter p = new CSVPrinter(out, format);
        for (TimingRecord r : records) {
            p.printRecord(r.mechanism(), r.arch(), r.era(), r.variant(), r.hits(),
                    num(r.trapsPerHit()), num(r.insnsPerHit()), num(r.cyclesPerHit()), num(r.nsPerHit()),
                    num(r.clockGhz()), num(r.publishedUs()), r.publishedSource() == null ? "" : r.publishedSource(),
                    num(r.ratioToPublished()));
        }
        p.flush();
    }

    /**
     * Six decimals from the exact binary value, trailing zeros dropped: the same text on every
     * JDK (Double.toString changed in JDK 19), and enough for cycles and microseconds.
     */
    static String num(Double d) {
        if (d == null || d.isNaN()) {
            return "";
        }
        if (d.isInfinite()) {
            return d > 0 ? "inf" : "-inf";
        }
        BigDecimal b = new BigDecimal(d).setScale(6, RoundingMode.HALF_EVEN).stripTrailingZeros();
        return b.signum() == 0 ? "0" : b.toPlainString();
    }
}
