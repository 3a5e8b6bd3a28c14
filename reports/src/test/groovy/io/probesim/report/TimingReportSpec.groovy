package io.probesim.report

import io.probesim.report.calibrate.Calibration
import org.apache.commons.csv.CSVFormat
import org.apache.commons.csv.CSVParser
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.TempDir

import javax.imageio.ImageIO
import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path

/**
 * The timing report as written: DESIGN.md's CSV columns, one record per published kprobes-family
 * figure, errors against the published tables, the published order per row group, the chart.
 */
class TimingReportSpec extends Specification {
    @Shared @TempDir Path dir
    @Shared List<PublishedFigure> figures = PublishedFigures.all()
    @Shared Calibration.Result fit = Calibration.fit(figures)
    @Shared TimingReport report = TimingReport.build(figures, fit, 50, [] as Set)
    @Shared List<Map<String, String>> csv

    def setupSpec() {
        def file = dir.resolve('timing.csv')
        TimingCsv.write(file, report.records())
        def format = CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get()
        CSVParser.builder().setPath(file).setCharset(StandardCharsets.UTF_8).setFormat(format).get().withCloseable { p ->
            assert p.headerNames == TimingCsvSpec.designHeader()
            csv = p.records.collect { it.toMap() }
        }
    }

    /** The kprobes-family lines of the published-figures resource, read as plain text (not through the code under test). */
    static List<List<String>> resourceLines() {
        def text = TimingReportSpec.getResourceAsStream('/io/probesim/report/published-figures.csv').getText('UTF-8')
        text.readLines().drop(1).collect { it.split(',', -1).toList() }.findAll { it[3] in ['kprobe', 'kretprobe', 'jprobe'] }
    }

    def "one record per published kprobe, kretprobe and jprobe figure, in the tables' order"() {
        given:
        def lines = resourceLines()   // source,cpu,clock_ghz,mechanism,arch,era,variant,published_us

        expect:
        csv.size() == lines.size()
        csv.size() == 32
        [csv, lines].transpose().every { Map<String, String> row, List<String> l ->
            row.mechanism == l[3] && row.arch == l[4] && row.era == l[5] && row.variant == l[6] &&
                    Double.parseDouble(row.published_us) == Double.parseDouble(l[7]) && row.published_source == l[0]
        }
    }

    def "measured rows: ratio_to_published is the simulated us over the published figure, ns is cycles at the stated clock"() {
        given:
        def measured = csv.findAll { it.cycles_per_hit }
        def lines = resourceLines()

        expect: 'seed 001: x86-64 all 9, x86-32 all 9 (the 2 optimized rows since optprobes run on i386); seed 000 5; LKML 5; Documentation 4'
        measured.size() == 32
        measured.every { row ->
            def l = lines.find { it[0] == row.published_source && it[3] == row.mechanism && it[4] == row.arch && it[6] == row.variant }
            double clock = l[2] ? Double.parseDouble(l[2]) : 3.06   // seed 000 states none: LKML's Pentium 4 is assumed
            double ns = Double.parseDouble(row.cycles_per_hit) / clock
            Math.abs(Double.parseDouble(row.ns_per_hit) - ns) < 1e-5 &&
                    Math.abs(Double.parseDouble(row.ratio_to_published) - (ns / 1000) / Double.parseDouble(l[7])) < 1e-5 &&
                    Double.parseDouble(row.clock_ghz) == clock
        }
    }

    def "each predicted row shows its error against the published figure; every row outside seed 001's x86-64 column is predicted"() {
        given:
        def predicted = report.rows().findAll { it.role() == TimingReport.Role.PREDICTED }
        def lines = resourceLines()

        expect:
        predicted.size() == 23    // 32 measured less the 9 fitted (x86-64 only: the x86-32 optimized rows are predictions)
        predicted.every { r -> !(r.figure().source() == 'seed 001 (2010)' && r.figure().arch() == 'x86-64') }
        predicted.every { r ->
            def l = lines.find { it[0] == r.figure().source() && it[3] == r.figure().mechanism() && it[4] == r.figure().arch() && it[6] == r.figure().variant() }
            double us = r.record().cyclesPerHit() / (l[2] ? Double.parseDouble(l[2]) : 3.06) / 1000
            Math.abs(r.error() - (us / Double.parseDouble(l[7]) - 1)) < 1e-9
        }
        report.summary().contains('predicted Documentation (older)')
        report.summary().contains('predicted seed 001 (2010)              kprobe     x86-32 plain')
    }

    def "ratio checks: each variant over its group's plain row, published (from the resource) beside simulated (from the CSV)"() {
        given:
        def lines = resourceLines()
        def pub = { String src, String arch, String mech, String v -> Double.parseDouble(lines.find { it[0] == src && it[4] == arch && it[3] == mech && it[6] == v }[7]) }
        def cyc = { String src, String arch, String mech, String v -> Double.parseDouble(csv.find { it.published_source == src && it.arch == arch && it.mechanism == mech && it.variant == v }.cycles_per_hit) }
        def seed000 = report.ratioChecks().findAll { it.group().startsWith('seed 000') }

        expect:
        seed000*.variant() == ['booster', 'kretprobe-booster', 'both']
        seed000.every { c ->
            String mech = c.group().endsWith('kretprobe') ? 'kretprobe' : 'kprobe'
            Math.abs(c.published() - pub('seed 000 (2006)', 'x86-32', mech, c.variant()) / pub('seed 000 (2006)', 'x86-32', mech, 'plain')) < 1e-12 &&
                    Math.abs(c.simulated() - cyc('seed 000 (2006)', 'x86-32', mech, c.variant()) / cyc('seed 000 (2006)', 'x86-32', mech, 'plain')) < 1e-9
        }
        Math.abs(seed000[0].published() - 0.6d / 1.3d) < 1e-12    // the table: 0.6 us boosted, 1.3 us plain
        report.summary().contains('booster/plain')
        // seed 001's x86-32 optimized rows are measured now: their group has an optimized/plain ratio too
        report.ratioChecks().count { it.variant() == 'optimized' && it.group().startsWith('seed 001 (2010) x86-32') } == 2
    }

    def "no published row is missing: since optprobes run on i386 every mechanism of the tables has a case"() {
        given:
        def missing = csv.findAll { !it.cycles_per_hit }
        def missingRows = report.rows().findAll { it.role() == TimingReport.Role.MISSING }

        expect: 'the last two missing rows were seed 001 x86-32 kprobe and kretprobe "optimized"'
        missing.isEmpty()
        missingRows.isEmpty()
        csv.findAll { it.arch == 'x86-32' && it.variant == 'optimized' }.collect { it.mechanism + '/' + it.published_us } == ['kprobe/0.05', 'kretprobe/0.33']
    }

    def "the published order holds on every simulated group of seed 001, seed 000 and LKML"() {
        expect: 'spec section 5: optimized < booster < plain (< post-handler) per group'
        report.orderChecks().findAll { !it.group().startsWith('Documentation') }.every { it.holds() }
        report.orderChecks().find { it.group() == 'seed 001 (2010) x86-32 jprobe' }.publishedOrder() == ['booster', 'plain']
        report.orderChecks().find { it.group() == 'seed 001 (2010) x86-64 jprobe' }.holds()
    }

    def "the published order holds on the simulated seed 001 x86-64 kprobe and kretprobe rows"() {
        given:
        def kp = report.orderChecks().find { it.group() == 'seed 001 (2010) x86-64 kprobe' }
        def krp = report.orderChecks().find { it.group() == 'seed 001 (2010) x86-64 kretprobe' }

        expect: 'published 0.06 < 0.43 < 0.99 < 1.00 and 0.30 < 0.68 < 1.24 (spec section 5)'
        kp.publishedOrder() == ['optimized', 'booster', 'plain', 'post-handler']
        kp.holds()
        kp.missing() == []
        krp.publishedOrder() == ['optimized', 'booster', 'plain']
        krp.holds()
        report.ordersHold()
    }

    def "a simulated order that contradicts the published one is reported as VIOLATED"() {
        given:
        def fig = { String v, double us -> new PublishedFigure('t', 'cpu', 2.0d, 'kprobe', 'x86-64', '2010', v, us) }
        def row = { PublishedFigure f, double cycles ->
            new TimingReport.Row(f, TimingReport.Role.PREDICTED,
                    TimingRecord.of(f.mechanism(), f.arch(), f.era(), f.variant(), 1, 1d, 1d, cycles, 2.0d, f), null)
        }
        def rows = [row(fig('plain', 1.0d), 500d), row(fig('booster', 0.5d), 900d)]

        when:
        def check = TimingReport.orderChecks(rows).first()

        then:
        check.publishedOrder() == ['booster', 'plain']
        check.simulatedOrder() == ['plain', 'booster']
        !check.holds()
        check.verdict().startsWith('VIOLATED')
    }

    def "the summary states the fitted column and parameters"() {
        given:
        def s = report.summary()

        expect:
        s.contains('fitted on seed 001 (2010) x86-64')
        Calibration.DEFAULT_PARAMETERS.every { s.contains(it.key() + '=' + fit.model().cycles(it)) }
    }

    def "--era keeps only that era's rows"() {
        when:
        def r = TimingReport.build(figures, fit, 10, ['2006'] as Set)

        then:
        r.rows().every { it.figure().era() == '2006' }
        r.rows().size() == resourceLines().count { it[5] == '2006' }
    }

    def "the chart is a PNG with one pair of bars per measured row"() {
        given:
        def png = dir.resolve('timing.png')

        when:
        TimingChart.write(png, report)
        def bytes = Files.readAllBytes(png)
        def image = ImageIO.read(png.toFile())

        then:
        bytes[0..3] == [(byte) 0x89, (byte) 0x50, (byte) 0x4e, (byte) 0x47]   // \x89PNG
        image.width == 6400   // thirty-two measured rows (the x86-32 optimized two since optprobes run on i386): max(800, 200 per row)
        image.height == 700
        Files.list(dir).noneMatch { it.fileName.toString().endsWith('.tmp') }
    }
}
