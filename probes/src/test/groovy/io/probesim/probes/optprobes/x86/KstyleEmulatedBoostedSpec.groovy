package io.probesim.probes.optprobes.x86

import io.probesim.probes.Era
import io.probesim.probes.kprobes.Errno
import io.probesim.probes.kprobes.Kprobe
import io.probesim.probes.kprobes.KprobeException
import io.probesim.probes.kprobes.PreHandler
import io.probesim.x86.kernel.HostContext
import spock.lang.Specification

import static io.probesim.probes.optprobes.x86.KstyleTransparencySpec.*

/**
 * The transparency sweep of {@link KstyleTransparencySpec} (a probe on every instruction
 * boundary of kstyle.o's functions, every result held against kstyle.c's C semantics) for the
 * two other ways a probed instruction runs: "emulated" (era modern on CONFIG_PREEMPT: the v5.13
 * int3 single-step, branches emulated, no booster) and "boosted" (the booster on: era 2006 and
 * era modern on !CONFIG_PREEMPT, where every boostable copy jumps straight back).
 */
class KstyleEmulatedBoostedSpec extends Specification {

    static final List<String> FUNCTIONS = ['dispatch_op', 'fib_recursive', 'hweight', 'find_first_set', 'short_leaf',
                                           'checksum_loop', 'memset_small', 'memcpy_small']

    /** Offsets objdump shows as an indirect jmp or call through memory: prepare_emulation refuses them (EOPNOTSUPP). */
    static List<Long> memoryIndirect(String fn) {
        def objdump = new KstyleObjdump()
        def f = objdump.functions.find { it.name == fn }
        objdump.instructionsOf(f).findAll { it.mnemonic in ['jmp', 'call', 'jmpq', 'callq', 'notrack'] && it.operands?.contains('*') && it.operands.contains('(') }
                .collect { it.at - f.value }
    }

    def "#fn, #variant (era #era, preempt #preempt): a probe on every boundary leaves every result as C computes it"() {
        given:
        def b = bed(era, preempt)
        long base = b.kernel.symbols().require(fn).address()
        List<String> wrong = []
        List<Long> refused = []
        int probed = 0, hits = 0

        when:
        run(b) { HostContext ctx ->
            for (long off : boundaries(fn)) {
                def p = new Kprobe(null, 0, base + off, { Kprobe k, regs -> hits++; 0 } as PreHandler, null)
                try {
                    b.kprobes.register(ctx, p)
                } catch (KprobeException e) {
                    assert e.errno() == Errno.EOPNOTSUPP: e.message
                    refused << off
                    continue
                }
                probed++
                wrong += callAll(ctx, b, fn, "probe at $fn+0x${Long.toHexString(off)}")
                b.kprobes.unregister(ctx, p)
            }
        }
        def kinds = b.sim.log().events()*.kind()

        then:
        wrong == []
        refused == (era.singleStep() == Era.SingleStep.INT3_EMULATE ? memoryIndirect(fn) : [])
        probed + refused.size() == boundaries(fn).size()
        hits > 0
        b.violations.first().isEmpty()
        (kinds.count { it == 'kprobe-boost' } > 0) == (variant == 'boosted')
        variant != 'emulated' || kinds.count { it == 'debug' } == 0

        where:
        [fn, variant, era, preempt] << FUNCTIONS.collectMany { fn ->
            [[fn, 'emulated', Era.MODERN, true], [fn, 'boosted', Era.E2006, false], [fn, 'boosted', Era.MODERN, false]]
        }
    }

    def "the emulated sweep of dispatch_op and fib_recursive emulates branches and steps the rest from int3-ended slots"() {
        given:
        def b = bed(Era.MODERN, true)
        Map<String, Integer> counts = [:]

        when:
        run(b) { HostContext ctx ->
            for (String fn : ['dispatch_op', 'fib_recursive']) {
                long base = b.kernel.symbols().require(fn).address()
                for (long off : boundaries(fn)) {
                    def p = new Kprobe(null, 0, base + off, { k, r -> 0 } as PreHandler, null)
                    try {
                        b.kprobes.register(ctx, p)
                    } catch (KprobeException e) {
                        continue
                    }
                    callAll(ctx, b, fn, 'x')
                    b.kprobes.unregister(ctx, p)
                }
            }
        }
        b.sim.log().events().each { counts[it.kind()] = (counts[it.kind()] ?: 0) + 1 }

        then: 'gcc code has jcc, jmp, call and ret (emulated) and plain instructions (stepped); no TF'
        counts['kprobe-emulate'] > 0
        counts['kprobe-ss'] > 0
        counts['debug'] == null
        counts['kprobe-boost'] == null
    }
}
