package io.probesim.x86.decode

import io.probesim.x86.format.AttFormatter
import spock.lang.Specification

import java.nio.file.Files
import java.nio.file.Path

/**
 * The kernel-style objects gcc built from fixtures/kstyle/kstyle.c (committed; build.sh rebuilds them): every
 * function of .text and .text.unlikely, and the whole .fixup section, decoded by walking from the function's first
 * byte, against objdump -d of the same relocatable object. Same boundaries, same lengths, same text.
 */
class KernelStyleObjdumpSpec extends Specification {
    static final Path DIR = Path.of('../fixtures/kstyle').toAbsolutePath().normalize()

    def "#file: every function's instructions have objdump's boundaries, lengths and text"() {
        given:
        Path obj = DIR.resolve(file)
        assert Files.exists(obj): "$obj is missing (run fixtures/kstyle/build.sh)"
        def sections = ['.text', '.text.unlikely', '.fixup']
        def objdump = GnuTools.disassembleSections(obj, sections)
        def functions = GnuTools.functions(obj)
        // the ranges to walk: each function symbol, and .fixup whole (it has no function symbols)
        def ranges = functions.collect { name, f -> [name, f[0], f[1], f[1] + f[2]] }
        byte[] fixup = GnuTools.sectionBytes(obj, '.fixup')
        ranges << ['.fixup', '.fixup', 0L, (long) fixup.length]

        when:
        List<String> bad = []
        int instructions = 0
        ranges.each { name, String section, long start, long end ->
            byte[] code = GnuTools.sectionBytes(obj, section)
            def theirs = objdump[section].findAll { it.address >= start && it.address < end }
            List<List> ours = []
            long at = start
            while (at < end) {
                Instruction i = Decoder.decode(code, (int) at, at, mode)
                ours << [at, i.length(), AttFormatter.format(i)]
                at += i.length()
            }
            instructions += ours.size()
            for (int k = 0; k < Math.max(ours.size(), theirs.size()); k++) {
                def o = k < ours.size() ? ours[k] : null
                def t = k < theirs.size() ? theirs[k] : null
                if (o == null || t == null || o[0] != t.address || o[1] != t.bytes.length || o[2] != t.text)
                    bad << "$file $name: ours ${o} objdump ${t == null ? null : [t.address, t.bytes.length, t.text]}".toString()
            }
        }
        println "$file: $instructions instructions in ${ranges.size()} functions and sections; ${bad.size()} differ"
        bad.take(20).each { println it }

        then:
        ranges.size() >= 15
        instructions > 200
        bad.isEmpty()

        where:
        file          | mode
        'kstyle.o'    | Mode.BITS64
        'kstyle32.o'  | Mode.BITS32
    }
}
