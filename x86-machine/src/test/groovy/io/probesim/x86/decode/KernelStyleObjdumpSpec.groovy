package io.probesim.x86.decode

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

        when:
        def w = ObjectWalk.of(obj, mode, ['.text', '.text.unlikely'], ['.fixup'])
        println "$file: ${w.instructions} instructions in ${w.functions} functions and sections; ${w.differences.size()} differ"
        w.differences.take(20).each { println it }

        then:
        w.functions >= 15
        w.instructions > 200
        w.differences.isEmpty()

        where:
        file          | mode
        'kstyle.o'    | Mode.BITS64
        'kstyle32.o'  | Mode.BITS32
    }
}
