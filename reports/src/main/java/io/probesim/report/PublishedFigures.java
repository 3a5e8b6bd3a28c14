package io.probesim.report;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The published overhead tables, shipped as the data resource {@code published-figures.csv}
 * (columns source, cpu, clock_ghz, mechanism, arch, era, variant, published_us). Data, so a new
 * measurement is one line and no code.
 */
public final class PublishedFigures {
    public static final String RESOURCE = "published-figures.csv";
    public static final String[] HEADER = {"source", "cpu", "clock_ghz", "mechanism", "arch", "era", "variant", "published_us"};

    private static final List<PublishedFigure> ALL = load();

    private PublishedFigures() {}

    /** Every figure, in the order of the spec tables. */
    public static List<PublishedFigure> all() { return ALL; }

    /** The figures for one row of a timing report (there may be several sources). */
    public static List<PublishedFigure> find(String mechanism, String arch, String era, String variant) {
        return ALL.stream().filter(f -> f.mechanism().equals(mechanism) && f.arch().equals(arch)
                && f.era().equals(era) && f.variant().equals(variant)).toList();
    }

    public static Optional<PublishedFigure> first(String mechanism, String arch, String era, String variant) {
        return find(mechanism, arch, era, variant).stream().findFirst();
    }

    private static List<PublishedFigure> load() {
        try (InputStream in = PublishedFigures.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + RESOURCE + " missing from the reports jar");
            }
            return parse(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<PublishedFigure> parse(Reader reader) throws IOException {
        CSVFormat format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get();
        List<PublishedFigure> out = new ArrayList<>();
        try (CSVParser p = CSVParser.builder().setReader(reader).setFormat(format).get()) {
            if (!p.getHeaderNames().equals(List.of(HEADER))) {
                throw new IllegalStateException(RESOURCE + ": header " + p.getHeaderNames() + ", expected " + List.of(HEADER));
            }
            for (CSVRecord r : p) {
                String clock = r.get("clock_ghz");
                out.add(new PublishedFigure(r.get("source"), r.get("cpu"),
                        clock.isEmpty() ? Double.NaN : Double.parseDouble(clock),
                        r.get("mechanism"), r.get("arch"), r.get("era"), r.get("variant"),
                        Double.parseDouble(r.get("published_us"))));
            }
        }
        return List.copyOf(out);
    }
}
