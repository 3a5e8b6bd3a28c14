package io.probesim.x86.decode

import spock.lang.Shared
import spock.lang.Specification

import java.nio.file.Files
import java.nio.file.Path

/**
 * Every instruction of the machine's libc .text (about 335,000) against objdump -d: the same length at the same
 * address and the same text. The whole section runs in CI (it takes a few seconds).
 */
class LibcObjdumpSpec extends Specification {
    static final Path LIBC = Path.of('/usr/lib/x86_64-linux-gnu/libc.so.6')

    @Shared byte[] text
    @Shared long origin
    @Shared List<GnuTools.Line> lines

    def setupSpec() {
        assert Files.exists(LIBC): "$LIBC is missing: these checks need the machine's (x86-64 Debian) libc"
        text = GnuTools.sectionBytes(LIBC, '.text')
        origin = GnuTools.sectionAddress(LIBC, '.text')
        lines = GnuTools.disassembleFile(LIBC.toString(), '.text', Integer.MAX_VALUE)
    }

    def "every instruction of libc .text has objdump's length and text"() {
        when:
        def r = ObjdumpDiff.compare(text, origin, lines, Mode.BITS64, true)
        println r.summary('libc .text')
        r.unknown.take(20).each { println it }
        r.textDiffs.take(20).each { println it }

        then: 'objdump covers the section end to end'
        lines.size() > 300_000
        lines.sum { it.bytes.length } == text.length

        and: 'lengths: all agree (the documented classes do not occur in compiler output)'
        r.otherThrows.isEmpty()
        r.unknown.isEmpty()
        r.knownCount() == 0
        r.agree == r.total

        and: 'text: objdump names every instruction (no (bad)) and we print the same line'
        r.bothInvalid == 0
        r.textTotal == r.total
        r.textDiffs.isEmpty()
    }

    def "walking libc .text from its first byte finds objdump's instruction boundaries"() {
        when: 'our own walk, each instruction starting where the previous one ended'
        List<Long> ours = []
        int off = 0
        while (off < text.length) {
            ours << origin + off
            off += Decoder.decode(text, off, origin + off, Mode.BITS64).length()
        }
        def theirs = lines*.address
        int firstDiff = (0..<Math.min(ours.size(), theirs.size())).find { ours[it] != theirs[it] } ?: -1

        then:
        firstDiff == -1
        ours.size() == theirs.size()
    }
}
