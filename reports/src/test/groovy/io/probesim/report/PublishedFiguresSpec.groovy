package io.probesim.report

import spock.lang.Shared
import spock.lang.Specification

import java.nio.file.Files
import java.nio.file.Path

/**
 * The shipped resource must say what the spec tables say. The reference is the spec's markdown
 * itself, parsed here by rules written from the tables, not from the resource.
 */
class PublishedFiguresSpec extends Specification {
    static final Path SPEC = Path.of('../../shared/spec')

    @Shared List<Map> kprobeRows = parseKprobes(SPEC.resolve('kprobes-x86.md'))
    @Shared List<Map> uprobeRows = parseUprobes(SPEC.resolve('uprobes-x86.md'))

    def "every figure of the kprobes table is in the resource with its source, CPU and clock"() {
        given:
        def shipped = PublishedFigures.all().findAll { it.mechanism() in ['kprobe', 'kretprobe', 'jprobe'] }
                .collect { key(it) + [source: it.source(), cpu: it.cpu(), clock: it.clockKnown() ? bd(it.clockGhz()) : null] }

        expect:
        kprobeRows.size() == 32
        shipped as Set == kprobeRows as Set
        shipped.size() == kprobeRows.size()
    }

    def "every figure of the uprobes table is in the resource"() {
        given:
        def shipped = PublishedFigures.all().findAll { it.mechanism() in ['uprobe', 'uretprobe'] }.collect { key(it) }

        expect:
        uprobeRows.size() == 8
        shipped as Set == uprobeRows as Set
        shipped.size() == uprobeRows.size()
    }

    def "find picks the rows of one report line"() {
        expect:
        PublishedFigures.find('kprobe', 'x86-64', '2010', 'optimized')*.publishedUs() == [0.06d]
        PublishedFigures.first('uretprobe', 'x86-32', '2017', 'push-emulated').get().publishedUs() == 1.75d
        PublishedFigures.find('kprobe', 'x86-32', '2006', 'plain').size() == 3
        PublishedFigures.find('kprobe', 'x86-64', 'modern', 'plain').isEmpty()
    }

    static Map key(PublishedFigure f) {
        [mechanism: f.mechanism(), arch: f.arch(), era: f.era(), variant: f.variant(), us: bd(f.publishedUs())]
    }

    static BigDecimal bd(double d) { new BigDecimal(Double.toString(d)).stripTrailingZeros() }

    static BigDecimal bd(String s) { new BigDecimal(s).stripTrailingZeros() }

    static List<List<String>> tableRows(Path md) {
        def lines = Files.readAllLines(md)
        int start = lines.findIndexOf { it.startsWith('## 5.') }
        def rows = lines.drop(start + 1).takeWhile { !it.startsWith('## ') }.findAll { it.startsWith('|') }
        rows.drop(2).collect { row -> row.split(/\|/, -1).toList().drop(1).dropRight(1)*.trim() }
    }

    /** label as written in the table -> [mechanism, variant] */
    static List<String> label(String text, String mechanism) {
        def t = text.trim()
        if (t.startsWith('+')) return [mechanism, t.substring(1).trim()]
        if (t == 'both' || t == 'booster') return [mechanism, t]
        def m = t =~ /^(\w+)\s*(?:\+\s*([\w-]+)|\((.+)\))?$/
        assert m.matches(): "unreadable probe label '$t'"
        [m.group(1), m.group(2) ?: (m.group(3) ? m.group(3).replace(' ', '-') : 'plain')]
    }

    static List<Map> parseKprobes(Path md) {
        def out = []
        String source = null, cpu = null
        for (List<String> c : tableRows(md)) {
            if (c[0]) source = c[0]
            if (c[1]) cpu = c[1]
            boolean ns = cpu.endsWith(', ns')
            String cleanCpu = ns ? cpu[0..-5] : cpu
            def clockM = cleanCpu =~ /([\d.]+) GHz/
            def clock = clockM.find() ? bd(clockM.group(1)) : null
            def yearM = source =~ /(?:19|20)\d\d/
            String era = yearM.find() ? yearM.group() : '2006'   // no year stated: the oldest era
            def add = { String mech, String variant, String arch, String value ->
                def v = bd(value)
                out << [mechanism: mech, arch: arch, era: era, variant: variant,
                        us: ns ? (v / 1000).stripTrailingZeros() : v, source: source, cpu: cleanCpu, clock: clock]
            }
            if (!c[3] && !c[4]) {
                // figures written in the probe cell: "kprobe 1270, booster 573; kretprobe 1981, ..."
                String arch = cleanCpu.contains('x86_64') ? 'x86-64' : 'x86-32'
                c[2].split(';').each { group ->
                    String mech = null
                    group.split(',').each { item ->
                        def m = item.trim() =~ /^(.+?)\s+([\d.]+)$/
                        assert m.matches()
                        // an item naming a mechanism starts it ("kretprobe 0.92"); others are its variants ("booster 573")
                        if (mech == null || m.group(1) in ['kprobe', 'kretprobe', 'jprobe']) {
                            def (lm, lv) = label(m.group(1), null)
                            mech = lm
                            add(mech, lv, arch, m.group(2))
                        } else {
                            add(mech, m.group(1), arch, m.group(2))
                        }
                    }
                }
            } else {
                ['x86-32': c[3], 'x86-64': c[4]].each { arch, cell ->
                    if (!cell) return
                    def labels = c[2].split(' / ')*.trim()
                    def values = cell.split(' / ')*.trim()
                    assert labels.size() == values.size()
                    String mech = null
                    labels.eachWithIndex { l, i ->
                        def (lm, lv) = label(l, mech)
                        if (mech == null) mech = lm
                        add(mech, lv, arch, values[i])
                    }
                }
            }
        }
        out
    }

    static List<Map> parseUprobes(Path md) {
        def text = Files.readString(md)
        def yearM = text =~ /Seed 004 \((\d{4})/
        assert yearM.find()
        def out = []
        tableRows(md).each { c ->
            String arch = c[0].replace('_', '-')
            out << [mechanism: c[1], arch: arch, era: yearM.group(1), variant: 'plain', us: bd(c[2])]
            out << [mechanism: c[1], arch: arch, era: yearM.group(1), variant: 'push-emulated', us: bd(c[3])]
        }
        out
    }
}
