package io.probesim.x86.decode

import io.probesim.x86.TestSize
import spock.lang.Specification

/**
 * Every opcode of every map and encoding (OpcodeSweep) against objdump -D -b binary, in 64- and 32-bit mode: the same
 * length, or both refusing, outside the documented classes of ObjdumpDiff.Known; the text is measured and held to a
 * floor. CI runs a seeded 1-in-40 sample of each sweep; -Pslow runs all of them (about 920,000 encodings).
 */
class OpcodeSweepSpec extends Specification {

    def "#kind sweep, #modeName-bit: lengths agree with objdump outside the documented classes"() {
        given:
        int stride = TestSize.pick(40, 1)
        def cases = OpcodeSweep.cases(kind, mode, stride, 0x5eed + kind.hashCode())

        when:
        def r = OpcodeSweep.run(cases, mode, "sweep-$kind-$modeName")
        println r.summary("$kind sweep $modeName-bit (${stride == 1 ? 'all' : '1 in ' + stride} of the encodings)")
        r.unknown.take(15).each { println '  unexplained: ' + it }
        r.otherThrows.take(5).each { println '  threw: ' + it }
        r.textDiffs.groupBy { it.find(/objdump: (\S+)/) { m, n -> n } }.sort { -it.value.size() }.take(8)
                .each { name, l -> println "  text differs: ${l.size()} x $name, e.g. ${l[0].readLines()*.trim().join(' | ')}" }

        then:
        r.total == cases.size()
        r.otherThrows.isEmpty()
        r.unknown.isEmpty()
        r.textIdentity() >= floor

        where:
        kind     | mode        | floor
        'legacy' | Mode.BITS64 | 0.995
        'modrm'  | Mode.BITS64 | 0.995
        'vex'    | Mode.BITS64 | 0.995
        'evex'   | Mode.BITS64 | 0.99
        'xop'    | Mode.BITS64 | 0.995
        '3dnow'  | Mode.BITS64 | 0.995
        'legacy' | Mode.BITS32 | 0.98
        'modrm'  | Mode.BITS32 | 0.995
        'vex'    | Mode.BITS32 | 0.995
        'evex'   | Mode.BITS32 | 0.99
        'xop'    | Mode.BITS32 | 0.995
        '3dnow'  | Mode.BITS32 | 0.995
        modeName = mode == Mode.BITS64 ? '64' : '32'
    }
}
