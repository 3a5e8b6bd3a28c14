package io.probesim.x86.cpu

import io.probesim.x86.decode.Mode
import io.probesim.x86.mem.Memory
import spock.lang.Shared
import spock.lang.Specification

/**
 * The interpreter's results and arithmetic flags against the host CPU (an independent oracle):
 * every variant in {@link HostOracle#variants()} (add adc sub sbb cmp and or xor test inc dec not
 * neg shl shr sar, 8/16/32/64-bit, shifts by 1, %cl and immediates) on edge and random operands,
 * with random input status flags. Full 64-bit rax is compared (merge and zero-extension rules);
 * flags are compared on CF PF AF ZF SF OF minus those the SDM leaves undefined for the case.
 */
class FlagsSpec extends Specification {

    static final long CODE = 0x10000L
    static final long STATUS = Flags.STATUS

    @Shared List<HostOracle.Case> cases
    @Shared List<HostOracle.Variant> variants

    def setupSpec() {
        variants = HostOracle.variants()
        def exe = HostOracle.compile(HostOracle.cProgram(variants))
        cases = makeCases(variants, new Random(0x5eed))
        HostOracle.run(exe, cases)
    }

    static List<HostOracle.Case> makeCases(List<HostOracle.Variant> variants, Random rnd) {
        List<HostOracle.Case> out = []
        variants.each { v ->
            long mask = Flags.mask(v.size)
            long sign = Flags.signBit(v.size)
            List<Long> edges = [0L, 1L, 2L, 0xfL, 0x10L, sign - 1, sign, sign + 1, mask, mask - 1, mask & 0x5555555555555555L,
                                mask & 0xaaaaaaaaaaaaaaaaL].collect { it & mask }.unique()
            List<List<Long>> pairs = []
            if (v.kind == 'bin') {
                edges.each { a -> edges.each { b -> pairs << [a, b] } }
                150.times { pairs << [rnd.nextLong() & mask, rnd.nextLong() & mask] }
                40.times { long a = rnd.nextLong() & mask; pairs << [a, a] }
            } else if (v.kind == 'shiftcl') {
                edges.each { a -> [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255].each { c -> pairs << [a, (long) c] } }
                60.times { pairs << [rnd.nextLong() & mask, (long) rnd.nextInt(256)] }
            } else {
                edges.each { a -> pairs << [a, 0L] }
                40.times { pairs << [rnd.nextLong() & mask, 0L] }
            }
            pairs.each { p ->
                // random bits above the operand (must be kept or zeroed as the size rule says)
                long x = (p[0] & mask) | (rnd.nextLong() & ~mask)
                long b = (p[1] & mask) | (v.kind == 'shiftcl' ? 0 : rnd.nextLong() & ~mask)
                long flagsIn = 0x202L | (rnd.nextLong() & STATUS)
                out << new HostOracle.Case(v: v, x: x, b: b, flagsIn: flagsIn)
                // the carry-in matters for adc/sbb; both values on every pair
                if (v.name.startsWith('adc') || v.name.startsWith('sbb')) {
                    out << new HostOracle.Case(v: v, x: x, b: b, flagsIn: flagsIn ^ Flags.CF)
                }
            }
        }
        out
    }

    def "every variant matches the host CPU on all cases"() {
        given:
        Memory mem = new Memory()
        mem.map(CODE, 0x1000 * 8, Memory.R | Memory.X)
        Map<Integer, Long> addr = [:]
        long at = CODE
        variants.each { v ->
            mem.poke(at, v.bytes)
            addr[v.id] = at
            at += 16
        }
        Cpu cpu = new Cpu(mem, Mode.BITS64)
        List<String> mismatches = []
        int compared = 0

        when:
        cases.each { c ->
            cpu.gpr[Cpu.RAX] = c.x
            cpu.gpr[Cpu.RBX] = c.b
            cpu.gpr[Cpu.RCX] = c.b
            cpu.rflags = c.flagsIn
            cpu.rip = addr[c.v.id]
            int r = cpu.step()
            long undefined = HostOracle.undefinedFlags(c.v, c.b)
            long ours = cpu.rflags & STATUS & ~undefined
            long host = c.hostFlags & STATUS & ~undefined
            compared++
            if (r != Step.OK || cpu.gpr[Cpu.RAX] != c.hostX || ours != host || cpu.rip != addr[c.v.id] + c.v.bytes.length) {
                mismatches << String.format('%-12s x=%x b=%x fin=%x: host x=%x f=%x, ours r=%s x=%x f=%x (compared %x)',
                        c.v.name, c.x, c.b, c.flagsIn, c.hostX, c.hostFlags & STATUS, Step.name(r), cpu.gpr[Cpu.RAX],
                        cpu.rflags & STATUS, STATUS & ~undefined)
            }
        }
        String firstMismatches = mismatches.take(20).join('\n')
        println "FlagsSpec: ${variants.size()} instruction variants, ${compared} cases compared with the host CPU, ${mismatches.size()} mismatches"

        then:
        compared > 10000
        firstMismatches == ''
    }

    def "the harness reads the host correctly: known SDM examples"() {
        expect: 'addb 0x7f + 1 = 0x80: OF SF AF set, ZF CF PF clear'
        def c = cases.find { it.v.name == 'addb' && (it.x & 0xff) == 0x7f && (it.b & 0xff) == 1 }
        (c.hostX & 0xff) == 0x80
        (c.hostFlags & STATUS) == (Flags.OF | Flags.SF | Flags.AF)

        and: 'subl 0 - 1 = 0xffffffff: CF SF AF PF set, upper half of rax zeroed'
        def d = cases.find { it.v.name == 'subl' && (it.x & 0xffffffffL) == 0 && (it.b & 0xffffffffL) == 1 }
        d.hostX == 0xffffffffL
        (d.hostFlags & STATUS) == (Flags.CF | Flags.SF | Flags.AF | Flags.PF)
    }
}
