package io.probesim.probes.kprobes

import io.probesim.probes.kprobes.x86.StackTrace
import io.probesim.probes.kprobes.x86.X86Kretprobes
import io.probesim.x86.kernel.PtRegs
import spock.lang.Specification

/**
 * The kernel's own kprobes tests (lib/test_kprobes.c, KUnit suite kprobes_test) re-expressed
 * on the emulated machine: test_kprobe, test_kprobes, test_kprobe_missed, test_kretprobe,
 * test_kretprobes and the two kretprobe stack-trace cases.
 */
class KunitKprobesSpec extends Specification {

    static final long RAND1 = 0x1234

    /** The machine every case runs on; KunitKprobesModernSpec runs the same cases in era modern. */
    KprobesTestbed testbed(String text = KprobesTestbed.TARGETS) {
        new KprobesTestbed([:], text)
    }

    def "test_kprobe: both handlers run with preemption disabled and the post handler sees the pre handler's value"() {
        given:
        def bed = testbed()
        int preCount = -1, postCount = -1
        long preVal = 0, postVal = 0
        long returned = 0
        int ret = -99
        def kp = Kprobe.at('kprobe_target', 0,
                { Kprobe p, PtRegs regs -> preCount = regs.preemptCount; preVal = RAND1 / 2; 0 } as PreHandler,
                { Kprobe p, PtRegs regs, long flags -> postCount = regs.preemptCount; postVal = preVal * 2 } as PostHandler)

        when:
        bed.run { ctx ->
            ret = bed.kprobes.register(ctx, kp)
            returned = ctx.call('kprobe_target', RAND1)
            bed.kprobes.unregister(ctx, kp)
        }

        then:
        ret == 0
        preCount > 0
        postCount > 0
        preVal == RAND1 / 2
        postVal == RAND1
        returned == 2 * RAND1 + 1          // the probed function still computes what it computes
        kp.nmissed() == 0
        bed.violations.first().isEmpty()
    }

    def "test_kprobes: two probes at once both fire both handlers"() {
        given:
        def bed = testbed()
        def calls = []
        def kp = Kprobe.at('kprobe_target', 0, { p, r -> calls << 'pre1'; 0 } as PreHandler, { p, r, f -> calls << 'post1' } as PostHandler)
        def kp2 = Kprobe.at('kprobe_target2', 0, { p, r -> calls << 'pre2'; 0 } as PreHandler, { p, r, f -> calls << 'post2' } as PostHandler)
        long r1 = 0, r2 = 0

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, kp)
            bed.kprobes.register(ctx, kp2)
            r1 = ctx.call('kprobe_target', RAND1)
            r2 = ctx.call('kprobe_target2', RAND1)
            bed.kprobes.unregister(ctx, kp)
            bed.kprobes.unregister(ctx, kp2)
        }

        then:
        calls == ['pre1', 'post1', 'pre2', 'post2']
        r1 == 2 * RAND1 + 1
        r2 == 2 * RAND1 + 2
        bed.violations.first().isEmpty()
    }

    def "test_kprobe_missed: handlers that call the probed function count two misses"() {
        given:
        def bed = testbed()
        long returned = 0
        def missedHandler = { Kprobe p, PtRegs regs -> regs.call('kprobe_target', RAND1); 0 }
        def kp = Kprobe.at('kprobe_target', 0, missedHandler as PreHandler,
                { Kprobe p, PtRegs regs, long f -> regs.call('kprobe_target', RAND1) } as PostHandler)

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, kp)
            returned = ctx.call('kprobe_target', RAND1)
            bed.kprobes.unregister(ctx, kp)
        }

        then:
        kp.nmissed() == 2
        returned == 2 * RAND1 + 1
        bed.violations.first().isEmpty()
    }

    def "two probes at one address are aggregated and both handlers run"() {
        given:
        def bed = testbed()
        def calls = []
        def a = Kprobe.at('kprobe_target', 0, { p, r -> calls << 'a'; 0 } as PreHandler, null)
        def b = Kprobe.at('kprobe_target', 0, { p, r -> calls << 'b'; 0 } as PreHandler, null)
        Kprobe hashed = null

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, a)
            bed.kprobes.register(ctx, b)
            hashed = bed.kprobes.get(a.address())
            ctx.call('kprobe_target', 1)
            bed.kprobes.unregister(ctx, a)
            ctx.call('kprobe_target', 1)
            bed.kprobes.unregister(ctx, b)
            ctx.call('kprobe_target', 1)
        }

        then:
        hashed.isAggregator()
        calls == ['a', 'b', 'b']
        bed.kernel.memory().read8(a.address()) == 0x48    // lea's REX.W prefix is back
        bed.violations.first().isEmpty()
    }

    /**
     * Frame-pointer functions in the spirit of the KUnit stack-trace cases: st_outer calls
     * st_driver calls st_target. Return addresses by hand: push %rbp (1 byte) + mov %rsp,%rbp
     * (3) + call rel32 (5) puts each call's return address at the caller's start + 9.
     */
    static final String STACK_TEXT = KprobesTestbed.TARGETS + '''
st_target:  push %rbp
            mov  %rsp, %rbp
            mov  $42, %rax
            pop  %rbp
            ret
st_driver:  push %rbp
            mov  %rsp, %rbp
            call st_target
            pop  %rbp
            ret
st_outer:   push %rbp
            mov  %rsp, %rbp
            call st_driver
            pop  %rbp
            ret
'''

    def "test_kretprobe (#kind): the return value is unchanged and both handlers run, entry first"() {
        given:
        def bed = testbed()
        def krp = new Kretprobes(bed.kprobes, { k -> new X86Kretprobes(k, kind) })
        long krphVal = 0
        long retSeen = -1
        def rp = new Kretprobe('kprobe_target',
                { ri, PtRegs regs -> krphVal = RAND1 / 2; 0 } as KretprobeHandler,
                { ri, PtRegs regs -> retSeen = regs.ax; assert krphVal != 0; krphVal = RAND1; 0 } as KretprobeHandler, 0)
        long returned = 0
        int ret = -99

        when:
        bed.run { ctx ->
            ret = krp.register(ctx, rp)
            returned = ctx.call('kprobe_target', RAND1)
            krp.unregister(ctx, rp)
        }

        then:
        ret == 0
        returned == 2 * RAND1 + 1
        retSeen == 2 * RAND1 + 1
        krphVal == RAND1
        bed.violations.first().isEmpty()

        where:
        kind << X86Kretprobes.Trampoline.values()
    }

    def "test_kretprobes: two kretprobes at once, both return handlers see their function's value"() {
        given:
        def bed = testbed()
        def krp = new Kretprobes(bed.kprobes, { k -> new X86Kretprobes(k) })
        def seen = []
        def rp1 = new Kretprobe('kprobe_target', null, { ri, PtRegs r -> seen << r.ax; 0 } as KretprobeHandler, 0)
        def rp2 = new Kretprobe('kprobe_target2', null, { ri, PtRegs r -> seen << r.ax; 0 } as KretprobeHandler, 0)
        long r1 = 0, r2 = 0

        when:
        bed.run { ctx ->
            krp.register(ctx, rp1)
            krp.register(ctx, rp2)
            r1 = ctx.call('kprobe_target', RAND1)
            r2 = ctx.call('kprobe_target2', RAND1)
            krp.unregister(ctx, rp1)
            krp.unregister(ctx, rp2)
        }

        then:
        r1 == 2 * RAND1 + 1
        r2 == 2 * RAND1 + 2
        seen == [2 * RAND1 + 1, 2 * RAND1 + 2]
        bed.violations.first().isEmpty()
    }

    def "test_stacktrace_on_kretprobe (#kind): a stack trace in the return handler shows the real return address, not the trampoline"() {
        given:
        def bed = testbed(STACK_TEXT)
        def krp = new Kretprobes(bed.kprobes, { k -> new X86Kretprobes(k, kind) })
        List<Long> trace = null
        def rp = new Kretprobe('st_target', null, { ri, PtRegs regs -> trace = StackTrace.save(krp, regs, 8); 0 } as KretprobeHandler, 0)
        long driver = 0, outer = 0

        when:
        bed.run { ctx ->
            krp.register(ctx, rp)
            driver = bed.kernel.symbols().require('st_driver').address()
            outer = bed.kernel.symbols().require('st_outer').address()
            ctx.call('st_outer')
        }

        then:
        trace == [driver + 9, outer + 9]
        !trace.contains(krp.arch().trampoline())

        where:
        kind << X86Kretprobes.Trampoline.values()
    }

    def "test_stacktrace_on_nested_kretprobe: nested kretprobes show inner then outer return address"() {
        given:
        def bed = testbed(STACK_TEXT)
        def krp = new Kretprobes(bed.kprobes, { k -> new X86Kretprobes(k) })
        List<Long> inner = null, outerTrace = null
        def rpInner = new Kretprobe('st_target', null, { ri, PtRegs regs -> inner = StackTrace.save(krp, regs, 8); 0 } as KretprobeHandler, 0)
        def rpOuter = new Kretprobe('st_driver', null, { ri, PtRegs regs -> outerTrace = StackTrace.save(krp, regs, 8); 0 } as KretprobeHandler, 0)
        long driver = 0, outer = 0
        long trampolineOnStack = 0

        when:
        bed.run { ctx ->
            krp.register(ctx, rpInner)
            krp.register(ctx, rpOuter)
            driver = bed.kernel.symbols().require('st_driver').address()
            outer = bed.kernel.symbols().require('st_outer').address()
            ctx.call('st_outer')
        }

        then: 'inside st_target\'s handler, st_driver\'s own return address on the stack is the trampoline; the trace shows the real one'
        inner == [driver + 9, outer + 9]
        outerTrace == [outer + 9]
        bed.violations.first().isEmpty()
    }
}
