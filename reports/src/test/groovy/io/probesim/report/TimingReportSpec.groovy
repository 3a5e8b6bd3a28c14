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

        expect:
        measured.size() == 9   // seed 001 x86-64: kprobe x4, kretprobe x3; Documentation's Opteron kprobe and kretprobe
        measured.every { row ->
            def l = lines.find { it[0] == row.published_source && it[3] == row.mechanism && it[4] == row.arch && it[6] == row.variant }
            double clock = Double.parseDouble(l[2])
            double ns = Double.parseDouble(row.cycles_per_hit) / clock
            Math.abs(Double.parseDouble(row.ns_per_hit) - ns) < 1e-5 &&
                    Math.abs(Double.parseDouble(row.ratio_to_published) - (ns / 1000) / Double.parseDouble(l[7])) < 1e-5 &&
                    Double.parseDouble(row.clock_ghz) == clock
        }
    }

    def "each predicted row shows its error against the published figure"() {
        given:
        def predicted = report.rows().findAll { it.role() == TimingReport.Role.PREDICTED }

        expect:
        predicted*.figure()*.source() == ['Documentation (older)'] * 2
        predicted*.figure()*.mechanism() == ['kprobe', 'kretprobe']
        predicted.every { r ->
            double us = r.record().cyclesPerHit() / r.figure().clockGhz() / 1000
            Math.abs(r.error() - (us / PublishedFigures.first(r.figure().mechanism(), 'x86-64', '2006', 'plain').get().publishedUs() - 1)) < 1e-9
        }
        report.summary().contains('predicted Documentation (older)')
    }

    def "rows the build cannot measure are missing: empty cells, never a number"() {
        given:
        def missing = csv.findAll { !it.cycles_per_hit }

        expect:
        missing.size() == 23
        missing.every { it.hits == '0' && it.traps_per_hit == '' && it.insns_per_hit == '' && it.ns_per_hit == '' && it.ratio_to_published == '' && it.published_us }
        missing.any { it.mechanism == 'jprobe' && it.variant == 'plain' && it.arch == 'x86-64' }   // no jprobes in this build
        missing.every { it.arch == 'x86-32' || it.mechanism == 'jprobe' }
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
        image.width == 1800   // nine measured rows: max(800, 200 per row)
        image.height == 700
        Files.list(dir).noneMatch { it.fileName.toString().endsWith('.tmp') }
    }
}
