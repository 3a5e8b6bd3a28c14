package io.probesim.x86.cpu

import io.probesim.x86.decode.Mode
import io.probesim.x86.mem.Memory
import spock.lang.Shared
import spock.lang.Specification
import spock.lang.Unroll

/**
 * The interpreter against the host CPU (see {@link MoreOracle}) for the integer instructions beyond
 * FlagsSpec's ALU set: mul imul div idiv, setcc, cmovcc, movzx/movsx/movsxd, cbw..cqo, bswap, xchg,
 * xadd, cmpxchg, bsf/bsr, bt/bts/btr/btc, rol ror rcl rcr, shld/shrd, loop/loope/loopne/jrcxz,
 * and movs stos lods cmps scas with and without rep/repe/repne, both directions. Every size, register
 * and memory forms, edge and random operands, random input flags. Compared: rax rbx rcx rdx rsi rdi
 * in full, CF PF AF ZF SF OF and DF (including the flags the SDM leaves undefined: the host is the
 * reference for those), every changed word of the buffer, and rip after the snippet.
 */
class MoreInstructionsSpec extends Specification {

    static final long CODE = 0x10000L
    static final long DATA = 0x200000L        // the buffer; %r8 = DATA + 256
    static final long COMPARED_FLAGS = Flags.STATUS | Flags.DF
    static final Map<Integer, String> SFX = [1: 'b', 2: 'w', 4: 'l', 8: 'q']
    static final Map<Integer, List<String>> R = [
            1: ['%al', '%bl', '%cl', '%dl'], 2: ['%ax', '%bx', '%cx', '%dx'],
            4: ['%eax', '%ebx', '%ecx', '%edx'], 8: ['%rax', '%rbx', '%rcx', '%rdx']]
    static final List<String> CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g']

    @Shared List<MoreOracle.Variant> variants
    @Shared List<MoreOracle.Case> cases
    @Shared Map<String, List<String>> mismatchesByGroup = [:]
    @Shared Map<String, Integer> comparedByGroup = [:]

    static List<MoreOracle.Variant> makeVariants() {
        List<MoreOracle.Variant> out = []
        def add = { String group, String name, String asm, int size, String gen, boolean mem = false ->
            out << new MoreOracle.Variant(id: out.size(), group: group, name: name, asm: asm, size: size, gen: gen, mem: mem)
        }
        [1, 2, 4, 8].each { int s ->
            String x = SFX[s], A = R[s][0], B = R[s][1], C = R[s][2], D = R[s][3]
            // mul / imul / div / idiv, one operand
            ['mul', 'imul'].each { op ->
                add('mul/imul', "$op$x $B", "$op$x $B", s, 'alu')
                add('mul/imul', "$op$x (%r8)", "$op$x (%r8)", s, 'alu', true)
            }
            ['div', 'idiv'].each { op ->
                add('div/idiv', "$op$x $B", "$op$x $B", s, op)
                add('div/idiv', "$op$x (%r8)", "$op$x (%r8)", s, op, true)
            }
            // setcc (byte only, once) and cmovcc
            if (s == 1) {
                CC.each { cc ->
                    add('setcc', "set$cc %al", "set$cc %al", 1, 'alu')
                    add('setcc', "set$cc (%r8)", "set$cc (%r8)", 1, 'alu', true)
                }
                add('setcc', 'sete %ah', 'sete %ah', 1, 'alu')
            } else {
                CC.each { cc ->
                    add('cmovcc', "cmov$cc$x $B,$A", "cmov$cc $B, $A", s, 'alu')
                    add('cmovcc', "cmov$cc$x (%r8),$A", "cmov$cc$x (%r8), $A", s, 'alu', true)
                }
            }
            // xchg, xadd, cmpxchg (with and without lock)
            add('xchg', "xchg$x $B,$A", "xchg $B, $A", s, 'alu')
            add('xchg', "xchg$x $A,(%r8)", "xchg $A, (%r8)", s, 'alu', true)
            add('xadd', "xadd$x $B,$A", "xadd $B, $A", s, 'alu')
            add('xadd', "lock xadd$x $B,(%r8)", "lock xadd $B, (%r8)", s, 'alu', true)
            add('cmpxchg', "cmpxchg$x $B,$D", "cmpxchg $B, $D", s, 'cmpxchg')
            add('cmpxchg', "cmpxchg$x $B,(%r8)", "cmpxchg $B, (%r8)", s, 'cmpxchg', true)
            add('cmpxchg', "lock cmpxchg$x $B,(%r8)", "lock cmpxchg $B, (%r8)", s, 'cmpxchg', true)
            // rotates
            ['rol', 'ror', 'rcl', 'rcr'].each { op ->
                add('rotate', "$op$x \$1,$A", "$op$x $A", s, 'alu')
                add('rotate', "$op$x %cl,$A", "$op$x %cl, $A", s, 'count')
                add('rotate', "$op$x %cl,(%r8)", "$op$x %cl, (%r8)", s, 'count', true)
                [0, 2, 8, 9, 17, 33].each { int k ->
                    add('rotate', "$op$x \$$k,$A", "$op$x \$$k, $A", s, 'alu')
                }
            }
            if (s > 1) {
                // bsf / bsr
                ['bsf', 'bsr'].each { op ->
                    add('bsf/bsr', "$op$x $B,$A", "$op $B, $A", s, 'scan')
                    add('bsf/bsr', "$op$x (%r8),$A", "$op$x (%r8), $A", s, 'scan', true)
                }
                // bt bts btr btc: register and immediate offsets, register and memory (bit string) operands
                ['bt', 'bts', 'btr', 'btc'].each { op ->
                    add('bt*', "$op$x $B,$A", "$op $B, $A", s, 'alu')
                    add('bt*', "$op$x $B,(%r8)", "$op $B, (%r8)", s, 'bitstring', true)
                    [5, 31, 64, 100].each { int k ->
                        add('bt*', "$op$x \$$k,$A", "$op$x \$$k, $A", s, 'alu')
                        add('bt*', "$op$x \$$k,(%r8)", "$op$x \$$k, (%r8)", s, 'alu', true)
                    }
                }
                // shld / shrd
                ['shld', 'shrd'].each { op ->
                    add('shld/shrd', "$op$x %cl,$B,$A", "$op %cl, $B, $A", s, 'count')
                    add('shld/shrd', "$op$x %cl,$B,(%r8)", "$op %cl, $B, (%r8)", s, 'count', true)
                    [1, 2, 8, 15, 17, 31, 33, 63].each { int k ->
                        add('shld/shrd', "$op$x \$$k,$B,$A", "$op \$$k, $B, $A", s, 'alu')
                    }
                }
                // imul two and three operands
                add('mul/imul', "imul$x $B,$A", "imul $B, $A", s, 'alu')
                add('mul/imul', "imul$x (%r8),$A", "imul$x (%r8), $A", s, 'alu', true)
                [-128, -1, 0, 1, 3, 127].each { int k ->
                    add('mul/imul', "imul$x \$$k,$B,$A", "imul \$$k, $B, $A", s, 'alu')
                }
                [-0x8000, 0x7fff, 0x1234].each { int k ->
                    add('mul/imul', "imul$x \$$k,$B,$A", "imul \$$k, $B, $A", s, 'alu')
                }
                if (s > 2) [0x12345678, -0x80000000, 0x7fffffff].each { int k ->
                    add('mul/imul', "imul$x \$$k,(%r8),$A", "imul$x \$$k, (%r8), $A", s, 'alu', true)
                }
                // bswap (16-bit: undefined in the SDM, encoded by hand since as refuses it)
                if (s == 2) add('bswap', 'bswap %ax', '.byte 0x66, 0x0f, 0xc8', 2, 'alu')
                else add('bswap', "bswap $A", "bswap $A", s, 'alu')
            }
            // string instructions
            ['movs', 'stos', 'lods', 'cmps', 'scas'].each { op ->
                add('string', "$op$x", "$op$x", s, 'string')
                if (op in ['movs', 'stos', 'lods']) {
                    add('string', "rep $op$x", "rep $op$x", s, 'string')
                } else {
                    add('string', "repe $op$x", "repe $op$x", s, 'string')
                    add('string', "repne $op$x", "repne $op$x", s, 'string')
                }
            }
        }
        // movzx / movsx / movsxd
        [['movzbw', '%bl', '%ax'], ['movzbl', '%bl', '%eax'], ['movzbq', '%bl', '%rax'], ['movzwl', '%bx', '%eax'],
         ['movzwq', '%bx', '%rax'], ['movsbw', '%bl', '%ax'], ['movsbl', '%bl', '%eax'], ['movsbq', '%bl', '%rax'],
         ['movswl', '%bx', '%eax'], ['movswq', '%bx', '%rax'], ['movslq', '%ebx', '%rax'], ['movzbl', '%bh', '%eax'],
         ['movsbw', '%bh', '%ax']].each { l ->
            add('movzx/movsx', "${l[0]} ${l[1]},${l[2]}", "${l[0]} ${l[1]}, ${l[2]}", 8, 'alu')
            if (l[1] != '%bh') add('movzx/movsx', "${l[0]} (%r8),${l[2]}", "${l[0]} (%r8), ${l[2]}", 8, 'alu', true)
        }
        ['cbtw', 'cwtl', 'cltq', 'cwtd', 'cltd', 'cqto'].each { op -> add('cbw..cqo', op, op, 8, 'alu') }
        // loop family: the snippet falls into "mov $0x77, %dl" when the branch is not taken
        ['loop', 'loope', 'loopne', 'jrcxz', 'jecxz'].each { op ->
            add('loop/jrcxz', op, "$op 1f\nmov \$0x77, %dl\n1:", 8, 'loop')
        }
        add('loop/jrcxz', 'addr32 loop', "addr32 loop 1f\nmov \$0x77, %dl\n1:", 8, 'loop')
        out
    }

    static List<Long> edges(int size) {
        long mask = Flags.mask(size), sign = Flags.signBit(size)
        [0L, 1L, 2L, 3L, 0x7fL, 0x80L, 0xffL, 0x100L, sign - 1, sign, sign + 1, mask, mask - 1, 0x5555555555555555L,
         0xaaaaaaaaaaaaaaaaL].collect { it & mask }.unique()
    }

    static final List<Long> COUNTS = [0L, 1L, 2L, 3L, 7L, 8L, 9L, 15L, 16L, 17L, 18L, 31L, 32L, 33L, 63L, 64L, 65L, 255L]

    static List<MoreOracle.Case> makeCases(List<MoreOracle.Variant> variants, Random rnd) {
        List<MoreOracle.Case> out = []
        variants.each { v ->
            int s = v.size
            long mask = Flags.mask(s)
            def mk = { long a, long b, long c, long d ->
                def cs = new MoreOracle.Case(v: v, seed: rnd.nextLong() & Long.MAX_VALUE, k: 0)
                long hi = rnd.nextLong()
                cs.inRegs[0] = (a & mask) | (rnd.nextLong() & ~mask)
                cs.inRegs[1] = (b & mask) | (rnd.nextLong() & ~mask)
                cs.inRegs[2] = c
                cs.inRegs[3] = d
                cs.inRegs[4] = MoreOracle.MID
                cs.inRegs[5] = MoreOracle.MID
                cs.flagsIn = 0x202L | (rnd.nextLong() & Flags.STATUS)
                cs.m0 = (v.gen == 'cmpxchg' ? d : b) & mask | (hi & ~mask)
                out << cs
                cs
            }
            List<Long> e = edges(s)
            switch (v.gen) {
                case 'alu':
                case 'scan':
                    e.each { a -> 5.times { mk(a, e[rnd.nextInt(e.size())], rnd.nextLong(), rnd.nextLong()) } }
                    e.each { b -> mk(e[rnd.nextInt(e.size())], b, rnd.nextLong(), rnd.nextLong()) }
                    30.times { mk(rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong()) }
                    if (v.gen == 'scan') 10.times { mk(rnd.nextLong(), 1L << rnd.nextInt(s * 8), 0, 0) }
                    break
                case 'count':
                    e.each { a -> COUNTS.each { c -> if (rnd.nextInt(3) == 0) mk(a, rnd.nextLong(), c | (rnd.nextLong() & ~0xffL), rnd.nextLong()) } }
                    COUNTS.each { c -> mk(rnd.nextLong(), rnd.nextLong(), c, rnd.nextLong()) }
                    60.times { mk(rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong()) }
                    break
                case 'cmpxchg':
                    e.each { a -> 6.times { mk(a, e[rnd.nextInt(e.size())], rnd.nextLong(), rnd.nextBoolean() ? a : rnd.nextLong()) } }
                    60.times { long a = rnd.nextLong(); mk(a, rnd.nextLong(), 0, rnd.nextBoolean() ? a : rnd.nextLong()) }
                    break
                case 'bitstring':
                    // signed register bit offsets within the buffer (+-1000 bits around %r8)
                    [0L, 1L, 7L, 8L, 15L, 16L, 31L, 32L, 63L, 64L, 100L, 1000L, -1L, -8L, -9L, -16L, -17L, -32L, -33L, -64L, -65L, -1000L].each { off ->
                        3.times { mk(e[rnd.nextInt(e.size())], off, rnd.nextLong(), rnd.nextLong()) }
                    }
                    60.times { mk(rnd.nextLong(), rnd.nextInt(2000) - 1000, rnd.nextLong(), rnd.nextLong()) }
                    out.findAll { it.v.is(v) }.each { it.m0 = rnd.nextLong() }
                    break
                case 'div':
                case 'idiv':
                    int n = 0, tries = 0
                    List<Long> divisors = e.findAll { it != 0 } + (1..8).collect { rnd.nextLong() & mask }.findAll { it != 0 }
                    while (n < 150 && tries < 100000) {
                        tries++
                        long dv = tries <= divisors.size() * 12 ? divisors[tries % divisors.size()] : rnd.nextLong() & mask
                        if (dv == 0) continue
                        long a = rnd.nextBoolean() ? e[rnd.nextInt(e.size())] : rnd.nextLong()
                        long d = rnd.nextInt(4) == 0 ? e[rnd.nextInt(e.size())] : rnd.nextLong()
                        if (rnd.nextInt(3) == 0) d = v.gen == 'div' ? 0 : ((Flags.signExtend(a, s) < 0) ? -1 : 0)
                        def cs = mk(a, dv, rnd.nextLong(), d)
                        if (!divides(v.gen == 'idiv', s, cs.inRegs[0], cs.inRegs[3], dv)) { out.remove(out.size() - 1); continue }
                        n++
                    }
                    break
                case 'string':
                    200.times {
                        boolean down = rnd.nextBoolean()
                        def cs = mk(rnd.nextLong(), rnd.nextLong(), rnd.nextInt(10) | (rnd.nextInt(4) == 0 ? 0 : 0L), rnd.nextLong())
                        int k = [0, 1, 1, 2][rnd.nextInt(4)]
                        cs.k = k
                        if (k > 0) cs.inRegs[0] = rnd.nextInt(3) == 0 ? (k == 1 ? 1 : rnd.nextInt(2)) : 0
                        if (k == 2 && s > 1) cs.inRegs[0] = rnd.nextLong() & 0x0101010101010101L
                        cs.inRegs[4] = down ? 300 + rnd.nextInt(200) : rnd.nextInt(200)
                        cs.inRegs[5] = down ? 300 + rnd.nextInt(200) : rnd.nextInt(200)
                        if (rnd.nextInt(4) == 0) cs.inRegs[5] = cs.inRegs[4] + (down ? -1 : 1) * s * rnd.nextInt(3)   // overlapping
                        if (cs.inRegs[4] < 0 || cs.inRegs[4] > 500) cs.inRegs[4] = down ? 400 : 100
                        if (cs.inRegs[5] < 0 || cs.inRegs[5] > 500) cs.inRegs[5] = down ? 400 : 100
                        if (down) cs.flagsIn |= Flags.DF
                        cs.m0 = rnd.nextLong()
                    }
                    break
                case 'loop':
                    [0L, 1L, 2L, 0x100000000L, 0x100000001L, -1L, 0xffffffffL].each { c ->
                        8.times { mk(rnd.nextLong(), rnd.nextLong(), c, rnd.nextLong()) }
                    }
                    20.times { mk(rnd.nextLong(), rnd.nextLong(), rnd.nextInt(3) == 0 ? rnd.nextInt(3) : rnd.nextLong(), rnd.nextLong()) }
                    break
                default:
                    throw new IllegalStateException(v.gen)
            }
        }
        out
    }

    /** True when (d:a) / dv fits the quotient (independent check with BigInteger). */
    static boolean divides(boolean signed, int s, long a, long d, long dv) {
        int bits = s * 8
        BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE)
        BigInteger lo, hi
        if (s == 1) {   // ax / r8
            lo = BigInteger.valueOf(a & 0xff); hi = BigInteger.valueOf((a >>> 8) & 0xff)
        } else {
            lo = new BigInteger(Long.toUnsignedString(a)).and(mask); hi = new BigInteger(Long.toUnsignedString(d)).and(mask)
        }
        BigInteger n = hi.shiftLeft(bits).or(lo)
        BigInteger div = new BigInteger(Long.toUnsignedString(dv)).and(mask)
        if (div.signum() == 0) return false
        if (!signed) return n.divide(div).compareTo(mask) <= 0
        if (n.testBit(2 * bits - 1)) n = n.subtract(BigInteger.ONE.shiftLeft(2 * bits))
        if (div.testBit(bits - 1)) div = div.subtract(BigInteger.ONE.shiftLeft(bits))
        BigInteger q = n.divide(div)       // truncates toward zero, as idiv
        BigInteger lim = BigInteger.ONE.shiftLeft(bits - 1)
        return q.compareTo(lim.negate()) >= 0 && q.compareTo(lim) < 0
    }

    def setupSpec() {
        long t0 = System.nanoTime()
        variants = makeVariants()
        MoreOracle.assemble(variants)
        long t1 = System.nanoTime()
        def exe = MoreOracle.compile(variants)
        long t2 = System.nanoTime()
        cases = makeCases(variants, new Random(0x3a11ce))
        long t3 = System.nanoTime()
        MoreOracle.run(exe, cases)
        long t4 = System.nanoTime()
        compareAll()
        long t5 = System.nanoTime()
        println String.format('MoreInstructionsSpec: as %d ms, gcc %d ms, cases %d ms, host %d ms, ours %d ms',
                (t1 - t0).intdiv(1000000), (t2 - t1).intdiv(1000000), (t3 - t2).intdiv(1000000), (t4 - t3).intdiv(1000000), (t5 - t4).intdiv(1000000))
    }

    void compareAll() {
        Memory mem = new Memory()
        mem.map(CODE, 64L * variants.size() + 0x1000, Memory.R | Memory.X)
        variants.eachWithIndex { v, i -> mem.poke(CODE + 64L * i, v.bytes) }
        mem.map(DATA, 0x1000, Memory.R | Memory.W)
        Cpu cpu = new Cpu(mem, Mode.BITS64)
        cases.each { c ->
            MoreOracle.Variant v = c.v
            List<String> diffs = MoreOracle.compare(cpu, mem, CODE, DATA, c, COMPARED_FLAGS)
            comparedByGroup[v.group] = (comparedByGroup[v.group] ?: 0) + 1
            if (diffs) {
                mismatchesByGroup.computeIfAbsent(v.group) { [] } << String.format('%s in rax=%x rbx=%x rcx=%x rdx=%x si=%x di=%x f=%x m0=%x k=%d: %s',
                        v.name, c.inRegs[0], c.inRegs[1], c.inRegs[2], c.inRegs[3], c.inRegs[4], c.inRegs[5], c.flagsIn, c.m0, c.k, diffs.join('; '))
            }
        }
        mismatchesByGroup.each { g, l ->
            println "MoreInstructionsSpec: mismatches in ${g} by variant: " + l.countBy { it.substring(0, it.indexOf(' in ')) }
        }
        comparedByGroup.each { g, n ->
            println "MoreInstructionsSpec: ${g}: ${variants.count { it.group == g }} variants, ${n} cases compared with the host CPU, ${mismatchesByGroup[g]?.size() ?: 0} mismatches"
        }
    }

    @Unroll
    def "#group matches the host CPU"() {
        expect:
        comparedByGroup[group] >= 200
        (mismatchesByGroup[group] ?: []).take(25).join('\n') == ''

        where:
        group << ['mul/imul', 'div/idiv', 'setcc', 'cmovcc', 'movzx/movsx', 'cbw..cqo', 'bswap', 'xchg', 'xadd', 'cmpxchg',
                  'bsf/bsr', 'bt*', 'rotate', 'shld/shrd', 'loop/jrcxz', 'string']
    }
}
