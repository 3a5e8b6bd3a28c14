package io.probesim.report.measure

import io.probesim.probes.Era
import io.probesim.x86.cost.Cost
import io.probesim.x86.cost.CostModel
import io.probesim.x86.decode.Mode
import spock.lang.Specification
import spock.lang.Unroll

/**
 * Per-hit costs of the kprobe paths against sums derived by hand from the kernel's path
 * (spec kprobes-x86.md section 2) and the cost table's defaults, and the cost model's
 * injection: a parameter moved by k cycles moves a hit by k times the number of times the path
 * takes that step.
 */
class TimingBenchSpec extends Specification {

    static TimingCase kprobe(String variant) {
        TimingCases.find('kprobe', variant, Era.E2010, Mode.BITS64).get()
    }

    // The workload's first instruction is push %rbp (PUSH = 1 cycle). Defaults: TRAP_ENTRY 200,
    // DEBUG_TRAP_ENTRY 200, IRET 100, KPROBE_HANDLER 150, HANDLER_CALL 40, POST_PROCESS 150;
    // jmp rel32 is BRANCH_TAKEN = 2.
    //  booster: int3 (the CPU charges TRAP_ENTRY for the instruction and the kernel's trap entry
    //           TRAP_ENTRY again) 400 + kprobe_handler 150 + pre handler 40 + iret 100
    //           + push in the slot 1 + jmp back 2 - the original push 1        = 692 cycles,
    //           instructions int3 + push + jmp - push = 2, traps: int3 only = 1.
    //  plain:   400 + 150 + 40 + iret to the slot 100 + push 1 + #DB 200 + post_kprobe_handler 150
    //           + iret 100 - push 1                                             = 1140 cycles,
    //           instructions int3 + push - push = 1, traps: int3 and #DB = 2.
    //  post-handler: plain + one more handler call 40                           = 1180 cycles.
    @Unroll
    def "a #variant kprobe hit costs #cycles cycles, #insns instructions and #traps traps on x86-64"() {
        when:
        def m = new TimingBench(CostModel.DEFAULT).measure(kprobe(variant), 50)

        then:
        m.hits() == 50
        m.cyclesPerHit() == cycles
        m.insnsPerHit() == insns
        m.trapsPerHit() == traps

        where:
        variant        | cycles | insns | traps
        'booster'      | 692    | 2     | 1
        'plain'        | 1140   | 1     | 2
        'post-handler' | 1180   | 1     | 2
    }

    // On x86-32 the workload starts with push %ebp: the same one-cycle PUSH, so the same sums.
    @Unroll
    def "a #variant kprobe hit costs #cycles cycles, #insns instructions and #traps traps on x86-32 too"() {
        when:
        def m = new TimingBench(CostModel.DEFAULT).measure(TimingCases.find('kprobe', variant, Era.E2010, Mode.BITS32).get(), 50)

        then:
        m.cyclesPerHit() == cycles
        m.insnsPerHit() == insns
        m.trapsPerHit() == traps

        where:
        variant        | cycles | insns | traps
        'booster'      | 692    | 2     | 1
        'plain'        | 1140   | 1     | 2
        'post-handler' | 1180   | 1     | 2
    }

    // Traps per hit from the mechanisms (spec 2.8, 2.9): a jprobe takes the entry int3 and the
    // int3 of jprobe_return, then the probed instruction is stepped (#DB) or boosted; seed 001's
    // kretprobes use the booster trampoline (no trap on return), so the entry's int3 and #DB or
    // the int3 alone.
    @Unroll
    def "#mechanism #variant on #mode: #traps traps per hit"() {
        when:
        def m = new TimingBench(CostModel.DEFAULT).measure(TimingCases.find(mechanism, variant, Era.E2010, mode).get(), 20)

        then:
        m.trapsPerHit() == traps

        where:
        mechanism   | variant   | mode        || traps
        'jprobe'    | 'plain'   | Mode.BITS64 || 3
        'jprobe'    | 'booster' | Mode.BITS64 || 2
        'jprobe'    | 'plain'   | Mode.BITS32 || 3
        'jprobe'    | 'booster' | Mode.BITS32 || 2
        'kretprobe' | 'plain'   | Mode.BITS32 || 2
        'kretprobe' | 'booster' | Mode.BITS32 || 1
    }

    // Spec section 3: an optimized probe is entered by a jmp into the detour buffer, on i386 as on
    // x86-64: no trap per hit, for the kprobe and for the kretprobe's entry (its return goes
    // through the boosted trampoline, no trap either).
    @Unroll
    def "#mechanism optimized on x86-32 has a case: #traps traps per hit, a jmp, no int3"() {
        when:
        def m = new TimingBench(CostModel.DEFAULT).measure(TimingCases.find(mechanism, 'optimized', Era.E2010, Mode.BITS32).get(), 20)

        then:
        m.hits() == 20
        m.trapsPerHit() == traps

        where:
        mechanism   | traps
        'kprobe'    | 0
        'kretprobe' | 0
    }

    // The x86-32 workload's region is push %ebp; mov %esp,%ebp; mov %ecx,%eax (1 + 2 + 2 = 5
    // bytes): the detour buffer runs copies of them, which cancel the originals. What a hit adds
    // (CycleCosts; Cost defaults, OPTIMIZED_CALLBACK 60 charged by the native callback, which is
    // no instruction): jmp to the buffer 2 + pushf 7 + sub 1 + 7 pushes 7 + mov %esp,%edx 1
    // + mov $id,%eax 1 + call 2 + callback 60 + 7 pops 7 + add 1 + popf 20 + jmp back 2
    // = 111 cycles; instructions 1 + 1 + 1 + 7 + 1 + 1 + 1 + 7 + 1 + 1 + 1 = 23; no trap.
    def "an optimized kprobe hit on x86-32 costs 111 cycles and 23 instructions, no trap"() {
        when:
        def m = new TimingBench(CostModel.DEFAULT).measure(TimingCases.find('kprobe', 'optimized', Era.E2010, Mode.BITS32).get(), 50)

        then:
        m.cyclesPerHit() == 111
        m.insnsPerHit() == 23
        m.trapsPerHit() == 0
    }

    def "a mechanism the build has no case for is missing, with the reason"() {
        expect:
        !TimingCases.find('uprobe', 'plain', Era.E2010, Mode.BITS32).isPresent()
        TimingCases.whyMissing('uprobe', 'plain', Era.E2010, Mode.BITS32).contains('not modelled')
    }

    @Unroll
    def "#cost + 10 cycles moves a #variant hit by #delta cycles"() {
        given:
        def base = new TimingBench(CostModel.DEFAULT).measure(kprobe(variant), 20).cyclesPerHit()

        when:
        def moved = new TimingBench(CostModel.DEFAULT.with(cost, cost.defaultCycles() + 10)).measure(kprobe(variant), 20).cyclesPerHit()

        then:
        moved - base == delta

        where: // how many times each path takes the step (see the sums above)
        variant   | cost                  | delta
        'booster' | Cost.TRAP_ENTRY       | 20
        'booster' | Cost.IRET             | 10
        'booster' | Cost.DEBUG_TRAP_ENTRY | 0
        'booster' | Cost.POST_PROCESS     | 0
        'plain'   | Cost.DEBUG_TRAP_ENTRY | 10
        'plain'   | Cost.IRET             | 20
        'plain'   | Cost.KPROBE_HANDLER   | 10
        'plain'   | Cost.POST_PROCESS     | 10
    }

    def "per-hit figures do not depend on the number of hits (a window with a tick is counted again)"() {
        expect:
        new TimingBench(CostModel.DEFAULT).measure(kprobe('plain'), 7).cyclesPerHit() ==
                new TimingBench(CostModel.DEFAULT).measure(kprobe('plain'), 3000).cyclesPerHit()
    }

    def "a probe the kernel refuses is reported with its errno name"() {
        given: 'a probe in the middle of an instruction (push %rbp is 1 byte, mov %rsp,%rbp 3: offset 2 is inside)'
        def tc = new TimingCase('kprobe', 'plain', Era.E2010, Mode.BITS64, false,
                { stack, ctx, target -> stack.kprobes().register(ctx, io.probesim.probes.kprobes.Kprobe.at(target, 2, TimingCases.EMPTY_PRE, null)) } as ProbeAttach)

        when:
        new TimingBench(CostModel.DEFAULT).measure(tc, 5)

        then:
        def e = thrown(MeasureException)
        e.message.contains('EILSEQ')
    }

    @Unroll
    def "#mechanism/#variant (#era) takes #traps traps per hit"() {
        // spec section 3: an optimized probe is entered by a jmp, no trap; seed 000: the boosted
        // kretprobe trampoline calls its handler without a kprobe, the 2006 probed one hits an int3
        // whose handler changes ip (no single-step)
        when:
        def m = new TimingBench(CostModel.DEFAULT).measure(TimingCases.find(mechanism, variant, era, Mode.BITS64).get(), 20)

        then:
        m.trapsPerHit() == traps

        where:
        mechanism   | variant     | era       | traps
        'kprobe'    | 'optimized' | Era.E2010 | 0
        'kretprobe' | 'optimized' | Era.E2010 | 0
        'kretprobe' | 'booster'   | Era.E2010 | 1
        'kretprobe' | 'plain'     | Era.E2010 | 2
        'kretprobe' | 'plain'     | Era.E2006 | 3
    }

    def "a negative cost is refused"() {
        when:
        CostModel.DEFAULT.with(Cost.IRET, -1)

        then:
        thrown(IllegalArgumentException)
    }
}
