package io.probesim.x86.decode

import io.probesim.x86.format.AttFormatter
import spock.lang.Shared
import spock.lang.Specification

/** The decoder and formatter against GNU as + objdump, the independent reference. */
class DecoderObjdumpSpec extends Specification {

    static Map compare(List<GnuTools.Line> lines, Mode mode, boolean text) {
        int lenOk = 0, textOk = 0, named = 0
        List<String> bad = []
        for (GnuTools.Line l : lines) {
            if (l.text.contains('(bad)') || l.text.contains('%?')) continue   // objdump's invalid encodings
            String got
            int len
            try {
                Instruction i = Decoder.decode(l.bytes, 0, l.address, mode)
                len = i.length()
                got = AttFormatter.format(i)
                if (i.mnemonic() != Mnemonic.UNNAMED) named++
            } catch (DecodeException e) {
                len = -1
                got = 'DecodeException: ' + e.reason()
            }
            String hex = HexFormat.ofDelimiter(' ').formatHex(l.bytes)
            if (len == l.bytes.length) lenOk++
            else { bad << "length ${len} != ${l.bytes.length}: ${hex}  (objdump: ${l.text})"; continue }
            if (!text) continue
            if (got == l.text) textOk++
            else bad << "text: ${hex}\n    objdump: '${l.text}'\n    ours:    '${got}'"
        }
        [total: lines.count { !it.text.contains('(bad)') && !it.text.contains('%?') }, lenOk: lenOk, textOk: textOk, named: named, bad: bad]
    }

    def "decodes and prints the 64-bit subset corpus exactly as objdump"() {
        given:
        def lines = GnuTools.disassemble(GnuTools.assemble(Corpus.lines64().join('\n'), Mode.BITS64, 'corpus64'), Mode.BITS64)

        when:
        def r = compare(lines, Mode.BITS64, true)
        r.bad.take(40).each { println it }

        then:
        lines.size() > 700
        r.bad.isEmpty()
    }

    def "decodes branches to absolute targets as objdump"() {
        given:
        def lines = GnuTools.disassemble(GnuTools.assemble(Corpus.branches().join('\n'), Mode.BITS64, 'branches'), Mode.BITS64)

        when:
        def r = compare(lines, Mode.BITS64, true)
        r.bad.take(20).each { println it }

        then:
        r.bad.isEmpty()
        lines.any { it.text.startsWith('jmp    0x') && it.bytes.length == 5 }
        lines.any { it.text.startsWith('jne    0x') && it.bytes.length == 6 }
    }

    def "decodes and prints the 32-bit corpus as objdump -M i386"() {
        given:
        def lines = GnuTools.disassemble(GnuTools.assemble(Corpus.lines32().join('\n'), Mode.BITS32, 'corpus32'), Mode.BITS32)

        when:
        def r = compare(lines, Mode.BITS32, true)
        r.bad.take(40).each { println it }

        then:
        lines.size() > 200
        r.bad.isEmpty()
    }

    def "lengths agree with objdump over generated encodings of the whole one-byte and 0F maps (#modeName)"() {
        given: 'every opcode with several ModRM/SIB/displacement shapes, prefixes and filler immediates'
        def src = new StringBuilder()
        def skip = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x0f] as Set
        if (mode == Mode.BITS64) (0x40..0x4f).each { skip << it }
        def shapes = ['04 25', '44 24 11', '84 88 11 22 33 44', 'c8']
        def prefixes = mode == Mode.BITS64 ? ['', '66', '67', '48'] : ['', '66']
        def filler = ' 55 66 77 88 99 aa bb cc dd ee 90 90 90 90 90 90'
        for (p in prefixes)
            for (esc in ['', '0f'])
                for (op in 0..255) {
                    if (esc == '' && op in skip) continue
                    if (esc == '0f' && (op == 0x38 || op == 0x3a)) continue
                    for (sh in shapes) {
                        def bytes = "$p $esc ${String.format('%02x', op)} $sh$filler".trim().split(/\s+/).findAll { it }
                        src << '.byte ' << bytes.collect { '0x' + it }.join(',') << '\n'
                    }
                }
        for (esc in ['0f 38', '0f 3a']) for (op in 0..255) src << '.byte ' << "$esc ${String.format('%02x', op)} 44 24 11$filler".split(/\s+/).collect { '0x' + it }.join(',') << '\n'

        when:
        def lines = GnuTools.disassemble(GnuTools.assemble(src.toString(), mode, 'maps' + modeName), mode)
        def r = compare(lines, mode, false)
        def ratio = r.lenOk / (double) r.total
        println "map sweep ${modeName}: ${r.lenOk}/${r.total} lengths agree (${String.format('%.4f', ratio * 100)}%)"
        r.bad.take(30).each { println it }

        then:
        r.total > 4000
        ratio >= 0.999

        where:
        mode << [Mode.BITS64, Mode.BITS32]
        modeName = mode == Mode.BITS64 ? '64' : '32'
    }

    def "lengths agree with objdump over the first 20,000 instructions of libc's .text"() {
        given:
        def libc = '/usr/lib/x86_64-linux-gnu/libc.so.6'
        assert new File(libc).exists(): "$libc is missing"
        def lines = GnuTools.disassembleFile(libc, '.text', 20000)

        when:
        def r = compare(lines, Mode.BITS64, true)
        def lenRatio = r.lenOk / (double) r.total
        def lenBad = r.bad.findAll { it.startsWith('length') }
        println "libc: ${r.lenOk}/${r.total} lengths agree (${String.format('%.3f', lenRatio * 100)}%); " +
                "${r.textOk}/${r.named} named instructions print exactly as objdump; " +
                "${r.total - r.named} decoded for length only (SSE/AVX/x87)"
        lenBad.take(20).each { println it }
        r.bad.findAll { !it.startsWith('length') && !it.contains('(unnamed') }.take(20).each { println it }

        then:
        r.total >= 19000
        lenRatio >= 0.99
        r.textOk >= 0.99 * r.named
    }
}
