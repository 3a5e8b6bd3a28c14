package io.probesim.report

import org.apache.commons.csv.CSVFormat
import org.apache.commons.csv.CSVParser
import spock.lang.Specification
import spock.lang.TempDir

import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path

class TimingCsvSpec extends Specification {
    @TempDir Path dir

    static final List<TimingRecord> RECORDS = [
            TimingRecord.of('kprobe', 'x86-64', '2010', 'booster', 1000, 1.0d, 12.5d, 1002.25d, 2.33d,
                    PublishedFigures.first('kprobe', 'x86-64', '2010', 'booster').get()),
            new TimingRecord('uprobe', 'x86-32', 'modern', 'push-emulated', 7, 1.0d, 3.0d, 4000d, 2000d, 2.0d,
                    null, null, null),
            new TimingRecord('kretprobe', 'x86-32', '2006', 'both', 3, 2.0d, 40d, 900d, 300d, 3.0d,
                    0.918d, 'LKML, "2006-01-31"', 0.5d)]

    /** The header as DESIGN.md writes it, read from DESIGN.md itself. */
    static List<String> designHeader() {
        def text = Files.readString(Path.of('../../shared/DESIGN.md'))
        def m = text =~ /`(mechanism,arch,[^`]+)`/
        assert m.find()
        m.group(1).replaceAll(/\s+/, '').split(',').toList()
    }

    def "the CSV has DESIGN.md's header, in order"() {
        expect:
        TimingCsv.HEADER == designHeader()
    }

    def "records round-trip through Commons CSV's parser"() {
        given:
        def file = dir.resolve('timing.csv')

        when:
        TimingCsv.write(file, RECORDS)
        def parser = CSVParser.builder().setPath(file).setCharset(StandardCharsets.UTF_8)
                .setFormat(CSVFormat.DEFAULT.builder().setHeader().setSkipHeaderRecord(true).get()).get()
        def rows = parser.records
        parser.close()

        then:
        parser.headerNames == designHeader()
        rows.size() == 3
        rows[0].toMap() == [mechanism: 'kprobe', arch: 'x86-64', era: '2010', variant: 'booster', hits: '1000',
                            traps_per_hit: '1', insns_per_hit: '12.5', cycles_per_hit: '1002.25',
                            ns_per_hit: TimingCsv.num(1002.25d / 2.33d), clock_ghz: '2.33', published_us: '0.43',
                            published_source: 'seed 001 (2010)',
                            ratio_to_published: TimingCsv.num((1002.25d / 2.33d / 1000) / 0.43d)]
        Math.abs(rows[0].get('ns_per_hit') as double - 430.150215) < 1e-6
        rows[1].get('published_us') == ''
        rows[1].get('published_source') == ''
        rows[1].get('ratio_to_published') == ''
        rows[2].get('published_source') == 'LKML, "2006-01-31"'
        rows[2].get('published_us') == '0.918'
    }

    def "the file is UTF-8 text with a header line and replaced atomically"() {
        given:
        def file = dir.resolve('out/t.csv')

        when:
        TimingCsv.write(file, RECORDS)
        TimingCsv.write(file, RECORDS.take(1))

        then:
        def lines = Files.readAllLines(file, StandardCharsets.UTF_8)
        lines[0] == TimingCsv.HEADER.join(',')
        lines.size() == 2
        Files.list(file.parent).withCloseable { it.toList() } == [file]
    }

    def "numbers are printed the same on every JDK: #d -> #text"() {
        expect:
        TimingCsv.num(d) == text

        where:
        d                 | text
        0.1d              | '0.1'
        1.0d              | '1'
        2.0d / 3          | '0.666667'
        1e-9d             | '0'
        123456789.125d    | '123456789.125'
        null              | ''
        Double.NaN        | ''
    }
}
