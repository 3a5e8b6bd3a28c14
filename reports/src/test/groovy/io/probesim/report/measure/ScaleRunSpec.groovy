package io.probesim.report.measure

import spock.lang.Shared
import spock.lang.Specification

/**
 * DESIGN.md's scale target, checked functionally, never timed here (the JMH ScaleBenchmark
 * reports time and heap): every registered kprobe is optimized, the 2010 optimizer does it as
 * 2.6.34's kprobe_optimizer does (the whole optimizing_list in one run: one synchronize_sched,
 * then one text_poke_smp, each under its own stop_machine, per probe; seed 001 and
 * kernel/kprobes.c of that release), and a call of a sample of the functions runs each sampled
 * handler exactly once through its jump: no int3, no other handler.
 *
 * <p>CI registers 1,000 probes (a few seconds); -Pslow (probesim.slow) or
 * -Dprobesim.scale.probes=10000 runs the target's 10,000.
 */
class ScaleRunSpec extends Specification {

    static final int PROBES = Integer.getInteger('probesim.scale.probes', Boolean.getBoolean('probesim.slow') ? 10_000 : 1_000)

    @Shared ScaleRun.Result r = ScaleRun.run(PROBES)

    def "every registered kprobe is optimized"() {
        expect:
        r.registered() == PROBES
        r.optimized() == PROBES
    }

    def "the 2010 optimizer takes the whole list in one run: one wait, then one stop_machine per probe"() {
        expect:
        r.optimizerRuns() == 1
        r.optimizerWaits() == 1
        r.stopMachines() == PROBES
    }

    def "a call of each sampled function runs its handler exactly once, through the detour buffer"() {
        given: 'the sample: f0, f(n/100), f(2n/100), ...: 100 functions'
        int sampled = 100

        expect:
        r.sampled() == sampled
        r.exactlyOnce() == sampled
        r.handlerRuns() == sampled
        r.optHits() == sampled
        r.int3Traps() == 0
        and: 'f_i returns its argument i (mov %rdi,%rax), with or without the probe'
        r.returnedRight() == sampled
    }
}
