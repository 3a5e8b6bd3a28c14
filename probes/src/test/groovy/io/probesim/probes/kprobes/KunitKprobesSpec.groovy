package io.probesim.probes.kprobes

import io.probesim.x86.kernel.PtRegs
import spock.lang.Specification

/**
 * The kernel's own kprobes tests (lib/test_kprobes.c, KUnit suite kprobes_test) re-expressed
 * on the emulated machine: test_kprobe, test_kprobes, test_kprobe_missed.
 */
class KunitKprobesSpec extends Specification {

    static final long RAND1 = 0x1234

    def "test_kprobe: both handlers run with preemption disabled and the post handler sees the pre handler's value"() {
        given:
        def bed = new KprobesTestbed()
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
        def bed = new KprobesTestbed()
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
        def bed = new KprobesTestbed()
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
        def bed = new KprobesTestbed()
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
}
