package io.probesim.x86.decode

import spock.lang.Specification

import java.nio.file.Files
import java.nio.file.Path

/**
 * Real compiler output of the vector, x87 and bit-manipulation sets: src/test/resources/decode/vector-code.c, built
 * by gcc at test time for targets from baseline x86-64 to AVX-512 FP16 (and 32-bit), every function walked from its
 * first byte against objdump -d of the object: same boundaries, lengths and text.
 */
class CompilerOutputSpec extends Specification {

    static Path compile(String flags) {
        Path src = GnuTools.DIR.resolve('vector-code.c')
        if (!Files.exists(src))
            Files.writeString(src, CompilerOutputSpec.getResourceAsStream('/decode/vector-code.c').getText('UTF-8'))
        Path obj = GnuTools.DIR.resolve('vector-code' + flags.replaceAll(/[^a-z0-9]+/, '-') + '.o')
        try {
            GnuTools.run(['gcc', '-O3', '-ffreestanding', '-c', *flags.split(' '), '-o', obj.toString(), src.toString()])
        } catch (IllegalStateException e) {
            throw new IllegalStateException("gcc is needed to build the test code (${e.message})")
        }
        obj
    }

    def "gcc #flags: every instruction of every function as objdump reads it"() {
        given:
        Path obj = compile(flags)

        when:
        def w = ObjectWalk.of(obj, flags.contains('-m32') ? Mode.BITS32 : Mode.BITS64, ['.text'])
        println "gcc $flags: ${w.instructions} instructions in ${w.functions} functions; ${w.differences.size()} differ"
        w.differences.take(20).each { println it }

        then:
        w.functions >= 25
        w.instructions > 900
        w.differences.isEmpty()

        where:
        flags << ['-m64 -march=x86-64', '-m64 -march=x86-64-v2', '-m64 -march=haswell', '-m64 -march=skylake-avx512',
                  '-m64 -march=icelake-server', '-m64 -march=sapphirerapids', '-m64 -march=znver3',
                  '-m32 -march=pentium4', '-m32 -march=i686', '-m32 -march=haswell', '-m32 -march=skylake-avx512']
    }
}
