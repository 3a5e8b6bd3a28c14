package io.probesim.probes.optprobes

import io.probesim.probes.Era
import io.probesim.probes.kprobes.Kprobe
import io.probesim.probes.kprobes.KprobeException
import io.probesim.probes.kprobes.KprobesTestbed
import io.probesim.probes.kprobes.PostHandler
import io.probesim.probes.kprobes.PreHandler
import io.probesim.probes.optprobes.x86.X86Optprobes
import io.probesim.x86.kernel.PtRegs
import spock.lang.Specification

/**
 * The optimizer's life cycle on a small machine (spec section 3): registration queues a probe,
 * the delayed work writes the jump, a call then runs the handler through the detour buffer,
 * unregistration takes the jump away again; refusals name their reason.
 */
class OptprobesSpec extends Specification {

    static final long ARG = 0x1234

    static Map bed(Era era = Era.MODERN, Map opts = [:]) {
        def bed = new KprobesTestbed([era: era, hz: 100000] + opts)
        def opt = new Optprobes(bed.kprobes, { o -> new X86Optprobes(o) }, 0)
        [bed: bed, opt: opt]
    }

    def "#era: an optimized probe's handler runs through the detour buffer, once per call, with the probed registers"() {
        given:
        def (bed, opt) = bed(era).with { [it.bed, it.opt] }
        long seenIp = 0, seenDi = 0
        int hits = 0
        def kp = Kprobe.at('kprobe_target', 0, { Kprobe p, PtRegs regs -> hits++; seenIp = regs.ip; seenDi = regs.di; 0 } as PreHandler, null)
        long returned = 0
        byte first = 0

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, kp)
            opt.optimizeAndWait(ctx, kp)
            first = bed.kernel.memory().read8(kp.address()) as byte
            returned = ctx.call('kprobe_target', ARG)
            returned += ctx.call('kprobe_target', ARG)
            bed.kprobes.unregister(ctx, kp)
        }

        then: 'the jump was written: jmp rel32 at the probe'
        (first & 0xff) == 0xe9
        and: 'kprobe_target computes (x + 1) + x twice, as without the probe'
        returned == 2 * (2 * ARG + 1)
        hits == 2
        seenIp == kp.address() + 1          // spec 3.3: the handler sees ip = addr + 1
        seenDi == ARG
        bed.log.events().count { it.kind() == 'opt-hit' } == 2
        bed.log.events().count { it.kind() == 'int3' } == 0
        and: 'unregistering restored the original first byte (lea = 0x48 0x8d ...)'
        (bed.kernel.memory().read8(kp.address()) & 0xff) == 0x48
        bed.violations.first().isEmpty()

        where:
        era << [Era.E2010, Era.MODERN]
    }

    def "a probe with a post handler is not optimized, and optimize says why"() {
        given:
        def (bed, opt) = bed().with { [it.bed, it.opt] }
        def kp = Kprobe.at('kprobe_target', 0, null, { p, r, f -> } as PostHandler)
        String why = null

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, kp)
            try { opt.optimizeAndWait(ctx, kp) } catch (KprobeException e) { why = e.message }
            bed.kprobes.unregister(ctx, kp)
        }

        then:
        why.contains('post handler')
    }

    def "a probe registered inside an optimized region unoptimizes the covering probe"() {
        given:
        def (bed, opt) = bed().with { [it.bed, it.opt] }
        def outer = Kprobe.at('kprobe_target', 0, { p, r -> 0 } as PreHandler, null)
        def inner = Kprobe.at('kprobe_target', 4, { p, r -> 0 } as PreHandler, null)   // lea 1(%rdi),%rax is 4 bytes
        long returned = 0
        String why = null

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, outer)
            opt.optimizeAndWait(ctx, outer)
            bed.kprobes.register(ctx, inner)
            why = opt.whyNotOptimized(outer)
            returned = ctx.call('kprobe_target', ARG)
            bed.kprobes.unregister(ctx, inner)
            bed.kprobes.unregister(ctx, outer)
        }

        then:
        (bed.kernel.memory().read8(outer.address()) & 0xff) == 0x48
        why != null
        returned == 2 * ARG + 1
        // both probes hit by int3; each hit is stepped by the v5.13 int3 single-step (spec 2.6), whose
        // second int3, after the copy in the slot, ends the step: 2 traps per hit
        bed.log.events().count { it.kind() == 'int3' } == 4
        bed.log.events().count { it.kind() == 'kprobe-pre' } == 2
        bed.violations.first().isEmpty()
    }

    def "sysctl 0 unoptimizes every probe, 1 optimizes them again"() {
        given:
        def (bed, opt) = bed().with { [it.bed, it.opt] }
        def kp = Kprobe.at('kprobe_target', 0, { p, r -> 0 } as PreHandler, null)
        def bytes = []

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, kp)
            opt.optimizeAndWait(ctx, kp)
            bytes << (bed.kernel.memory().read8(kp.address()) & 0xff)
            opt.sysctl(ctx, false)
            bytes << (bed.kernel.memory().read8(kp.address()) & 0xff)
            opt.sysctl(ctx, true)
            opt.optimizeAndWait(ctx, kp)
            bytes << (bed.kernel.memory().read8(kp.address()) & 0xff)
            bed.kprobes.unregister(ctx, kp)
        }

        then:
        bytes == [0xe9, 0xcc, 0xe9]
    }

    def "through the detour buffer the handler sees the probed context's argument registers, and the function's result is unchanged"() {
        given:
        def (bed, opt) = bed().with { [it.bed, it.opt] }
        List<Long> seen = null
        def kp = Kprobe.at('kprobe_target', 0, { Kprobe p, PtRegs r -> seen = [r.gpr(7), r.gpr(6), r.gpr(2), r.gpr(1), r.gpr(8), r.gpr(9)]; 0 } as PreHandler, null)
        long returned = 0

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, kp)
            opt.optimizeAndWait(ctx, kp)
            returned = ctx.call('kprobe_target', 11, 22, 33, 44, 55, 66)
            bed.kprobes.unregister(ctx, kp)
        }

        then: 'SysV order: rdi, rsi, rdx, rcx, r8, r9'
        seen == [11L, 22L, 33L, 44L, 55L, 66L]
        returned == 2 * 11 + 1
        bed.log.events().count { it.kind() == 'opt-hit' } == 1
    }
}
