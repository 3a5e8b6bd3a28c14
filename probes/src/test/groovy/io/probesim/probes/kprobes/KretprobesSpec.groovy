package io.probesim.probes.kprobes

import io.probesim.probes.kprobes.x86.X86Kretprobes
import io.probesim.x86.kernel.PtRegs
import spock.lang.Specification

/**
 * register_kretprobe's checks, instances and both trampolines on the emulated machine. Expected
 * values are worked out by hand from the x86 text below and the kernel's documented rules
 * (shared/spec/kprobes-x86.md 1.4 and 2.8).
 */
class KretprobesSpec extends Specification {

    /** fact(n): recursive n!; depth(n) calls fact n times (n, n-1, ..., 1). */
    static final String TEXT = KprobesTestbed.TARGETS + '''
fact:        cmp  $1, %rdi
             jbe  fact_one
             push %rdi
             dec  %rdi
             call fact
             pop  %rdi
             imul %rdi, %rax
             ret
fact_one:    mov  $1, %rax
             ret
__switch_to: mov  %rdi, %rax
             ret
'''

    static Kretprobes kretprobes(KprobesTestbed bed, X86Kretprobes.Trampoline kind) {
        new Kretprobes(bed.kprobes, { k -> new X86Kretprobes(k, kind) })
    }

    def "#kind: the return handler sees the return value and the caller gets it unchanged"() {
        given:
        def bed = new KprobesTestbed([:], TEXT)
        def krp = kretprobes(bed, kind)
        long seen = 0, returned = 0
        def rp = new Kretprobe('kprobe_target', null, { ri, PtRegs regs -> seen = regs.ax; 0 } as KretprobeHandler, 0)

        when:
        bed.run { ctx ->
            krp.register(ctx, rp)
            returned = ctx.call('kprobe_target', 7)
            krp.unregister(ctx, rp)
        }

        then:
        seen == 15                       // lea 1(%rdi),%rax; add %rdi,%rax: 2*7+1
        returned == 15
        rp.nmissed() == 0
        rp.inUse() == 0
        bed.violations.first().isEmpty()
        bed.log.events().count { it.kind() == 'int3' } == traps

        where: 'the plain trampoline costs a second int3 per call (seed 000), the booster none'
        kind                                || traps
        X86Kretprobes.Trampoline.PROBED     || 2
        X86Kretprobes.Trampoline.BOOSTED    || 1
    }

    def "maxactive 1 on a recursive function: the outer call is probed, the 4 nested ones are missed and counted"() {
        given:
        def bed = new KprobesTestbed([:], TEXT)
        def krp = kretprobes(bed, X86Kretprobes.Trampoline.BOOSTED)
        def seen = []
        def rp = new Kretprobe('fact', null, { ri, PtRegs regs -> seen << regs.ax; 0 } as KretprobeHandler, 1)
        long returned = 0

        when:
        bed.run { ctx ->
            krp.register(ctx, rp)
            returned = ctx.call('fact', 5)
        }

        then: 'fact(5) enters fact 5 times; only the first finds a free instance'
        returned == 120
        seen == [120]
        rp.nmissed() == 4
        bed.violations.first().isEmpty()
    }

    def "maxactive 0 takes the kernel default: max(10, 2*NCPU) when preemptible, NCPU otherwise"() {
        given:
        def bed = new KprobesTestbed([cpus: cpus, preempt: preempt], TEXT)
        def krp = kretprobes(bed, X86Kretprobes.Trampoline.BOOSTED)
        def rp = new Kretprobe('kprobe_target', null, null, 0)

        when:
        bed.run { ctx -> krp.register(ctx, rp) }

        then:
        rp.maxactive() == expected

        where:
        cpus | preempt || expected
        1    | true    || 10
        8    | true    || 16
        2    | false   || 2
    }

    def "refusals speak errno: #why"() {
        given:
        def bed = new KprobesTestbed([:], TEXT)
        def krp = kretprobes(bed, X86Kretprobes.Trampoline.BOOSTED)
        KprobeException thrown = null

        when:
        bed.run { ctx ->
            try { krp.register(ctx, new Kretprobe(symbol, offset, null, null, 1)) } catch (KprobeException e) { thrown = e }
        }

        then:
        thrown.errno() == errno
        thrown.message.contains(text)

        where:
        why                      | symbol          | offset || errno         | text
        'not a function entry'   | 'kprobe_target' | 4      || Errno.EINVAL  | 'function entry'
        'context switch'         | '__switch_to'   | 0      || Errno.EINVAL  | 'blacklist'
        'unknown symbol'         | 'nosuch'        | 0      || Errno.ENOENT  | 'nosuch'
    }

    def "an entry handler returning non-zero skips the call: no return handler, instance back on the free list"() {
        given:
        def bed = new KprobesTestbed([:], TEXT)
        def krp = kretprobes(bed, X86Kretprobes.Trampoline.BOOSTED)
        int returns = 0
        def rp = new Kretprobe('kprobe_target', { ri, r -> 1 } as KretprobeHandler, { ri, r -> returns++; 0 } as KretprobeHandler, 1)

        when:
        bed.run { ctx ->
            krp.register(ctx, rp)
            ctx.call('kprobe_target', 1)
            ctx.call('kprobe_target', 1)
        }

        then:
        returns == 0
        rp.nmissed() == 0
        rp.inUse() == 0
    }

    def "a return handler may change the return value (the booster trampoline restores from its pt_regs)"() {
        given:
        def bed = new KprobesTestbed([:], TEXT)
        def krp = kretprobes(bed, X86Kretprobes.Trampoline.BOOSTED)
        def rp = new Kretprobe('kprobe_target', null, { ri, PtRegs regs -> regs.ax = 99; 0 } as KretprobeHandler, 1)
        long returned = 0

        when:
        bed.run { ctx ->
            krp.register(ctx, rp)
            returned = ctx.call('kprobe_target', 1)
        }

        then:
        returned == 99
    }
}
