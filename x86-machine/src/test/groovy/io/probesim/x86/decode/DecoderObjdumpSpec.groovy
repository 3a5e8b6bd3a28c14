package io.probesim.x86.decode

import io.probesim.x86.format.AttFormatter
import spock.lang.Shared
import spock.lang.Specification

/**
 * The decoder and formatter against GNU as + objdump on the executed subset's corpus (every line as written by as,
 * decoded and printed exactly as objdump). The whole maps are swept by OpcodeSweepSpec, libc by LibcObjdumpSpec,
 * random bytes by FuzzObjdumpSpec.
 */
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
                named++
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
}
