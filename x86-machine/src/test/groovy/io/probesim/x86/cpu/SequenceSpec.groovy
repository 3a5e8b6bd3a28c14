package io.probesim.x86.cpu

import io.probesim.x86.TestSize
import io.probesim.x86.decode.Mnemonic
import spock.lang.Specification
import spock.lang.Unroll

/**
 * Differential test of the interpreter against the host CPU over random instruction sequences, in
 * 64-bit long mode and in 32-bit protected flat mode. {@link SeqGen} writes each sequence (3 to 12
 * items of the integer subset, every operand size, register and memory operands, forward branches)
 * with its initial registers, flags and window bytes; GNU as encodes it; the freestanding runner
 * built by gcc (-m64 / -m32) executes the bytes natively ({@link SeqHost}); our Cpu executes the same
 * bytes at the same addresses ({@link SeqSim}). Every general register, CF PF AF ZF SF OF DF, where
 * execution stopped (end, or the fault/trap and its rip) and every byte of the window must agree.
 * Flags the SDM leaves undefined are compared too: the host (Intel) is the reference for them.
 *
 * CI runs a few thousand sequences per mode; -Pslow (probesim.slow) runs 100,000 per mode.
 */
class SequenceSpec extends Specification {
    static final int BATCH = 5000

    static final List<Mnemonic> COMMON = [
            Mnemonic.MOV, Mnemonic.MOVZB, Mnemonic.MOVZW, Mnemonic.MOVSXB, Mnemonic.MOVSXW, Mnemonic.LEA,
            Mnemonic.ADD, Mnemonic.ADC, Mnemonic.SUB, Mnemonic.SBB, Mnemonic.CMP, Mnemonic.AND, Mnemonic.OR, Mnemonic.XOR, Mnemonic.TEST,
            Mnemonic.NOT, Mnemonic.NEG, Mnemonic.INC, Mnemonic.DEC, Mnemonic.IMUL, Mnemonic.MUL, Mnemonic.DIV, Mnemonic.IDIV,
            Mnemonic.SHL, Mnemonic.SHR, Mnemonic.SAR, Mnemonic.ROL, Mnemonic.ROR, Mnemonic.RCL, Mnemonic.RCR, Mnemonic.SHLD, Mnemonic.SHRD,
            Mnemonic.BT, Mnemonic.BTS, Mnemonic.BTR, Mnemonic.BTC, Mnemonic.BSF, Mnemonic.BSR, Mnemonic.PUSH, Mnemonic.POP,
            Mnemonic.PUSHF, Mnemonic.POPF, Mnemonic.XCHG, Mnemonic.CMPXCHG, Mnemonic.XADD, Mnemonic.BSWAP, Mnemonic.CBW, Mnemonic.CWD,
            Mnemonic.MOVS, Mnemonic.STOS, Mnemonic.LODS, Mnemonic.CMPS, Mnemonic.SCAS, Mnemonic.JMP, Mnemonic.LOOP, Mnemonic.LOOPE,
            Mnemonic.LOOPNE, Mnemonic.JECXZ, Mnemonic.CALL, Mnemonic.RET, Mnemonic.LEAVE, Mnemonic.NOP, Mnemonic.PAUSE,
            Mnemonic.LFENCE, Mnemonic.MFENCE, Mnemonic.SFENCE, Mnemonic.CLC, Mnemonic.STC, Mnemonic.CMC, Mnemonic.CLD, Mnemonic.STD] +
            SeqGen.CC.collectMany { String cc -> ['SET', 'CMOV', 'J'].collect { Mnemonic.valueOf(it + cc.toUpperCase()) } }

    /** Sequence i's seed: splitmix64 of (mode, i), so any one sequence can be regenerated alone. */
    static long seed(int bits, int i) {
        long z = (bits * 0x100000000L + i) * 0x9e3779b97f4a7c15L + 0x5eedL
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL
        z ^ (z >>> 31)
    }

    @Unroll
    def "random instruction sequences run as on the host CPU in #bits-bit mode"() {
        given:
        int count = TestSize.pick(3000, 100000)
        def gen = new SeqGen(bits)
        def sim = new SeqSim(bits)
        List<String> reports = []
        int mismatches = 0
        Map<String, Integer> ends = [:]
        long tGen = 0, tAs = 0, tHost = 0, tSim = 0

        when:
        for (int from = 0; from < count; from += BATCH) {
            long t0 = System.nanoTime()
            List<SeqGen.Sequence> batch = (from..<Math.min(count, from + BATCH)).collect { int i -> gen.generate(i, seed(bits, i)) }
            long t1 = System.nanoTime()
            SeqHost.assemble(bits, batch)
            long t2 = System.nanoTime()
            List<SeqHost.Result> host = SeqHost.run(bits, batch)
            long t3 = System.nanoTime()
            batch.eachWithIndex { SeqGen.Sequence s, int k ->
                def h = host[k]
                ends.merge(h.signal == 0 ? 'end' : SeqSim.signalName(h.signal), 1, Integer::sum)
                List<String> d = sim.compare(s, h)
                if (d) {
                    mismatches++
                    if (reports.size() < 8) reports << sim.report(s, d)
                }
            }
            long t4 = System.nanoTime()
            tGen += t1 - t0; tAs += t2 - t1; tHost += t3 - t2; tSim += t4 - t3
        }
        println String.format('SequenceSpec %d-bit: %d sequences, %d instructions executed, %d mismatches; stopped %s; ' +
                'generate %d ms, as %d ms, host %d ms, ours %d ms', bits, count, sim.steps, mismatches, ends,
                tGen.intdiv(1000000), tAs.intdiv(1000000), tHost.intdiv(1000000), tSim.intdiv(1000000))
        List<Mnemonic> missing = required(bits).findAll { !sim.executed.containsKey(it) }

        then: 'no sequence differs (the first few are shown whole)'
        mismatches == 0 || reports.join('\n') == "(${mismatches} of ${count} sequences differ)"

        and: 'the generator reached every instruction it is meant to cover'
        missing == []

        where:
        bits << [64, 32]
    }

    static List<Mnemonic> required(int bits) {
        bits == 64 ? COMMON + [Mnemonic.MOVSXD, Mnemonic.ENDBR64] : COMMON + [Mnemonic.ENDBR32]
    }
}
