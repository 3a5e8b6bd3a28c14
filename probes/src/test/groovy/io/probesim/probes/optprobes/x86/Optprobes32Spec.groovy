package io.probesim.probes.optprobes.x86

import io.probesim.probes.Era
import io.probesim.probes.kprobes.Kprobe
import io.probesim.probes.kprobes.KprobeException
import io.probesim.probes.kprobes.PreHandler
import io.probesim.probes.kprobes.x86.Kprobes32Bed
import io.probesim.probes.kprobes.x86.Kprobes32Spec
import io.probesim.probes.optprobes.Optprobes
import io.probesim.x86.kernel.Layout
import io.probesim.x86.kernel.PtRegs
import spock.lang.Specification
import spock.lang.Unroll

/**
 * Optprobes on a 32-bit (i386) kernel, on code built by GNU `as --32` (Kprobes32Spec's
 * functions and a few below) and gcc -m32 (kstyle32.o). Expected values are worked out by hand
 * from the i386 regparm(3) convention (arguments in eax, edx, ecx) and the fixture's
 * instructions; the transparency case compares against the same calls without probes.
 */
class Optprobes32Spec extends Specification {

    /**
     * sum3 and its caller (the 2006 booster table, era 2010's, refuses Kprobes32Spec's probed:
     * imul is 0f af, a two-byte opcode), a function whose first 5 bytes are inc/dec (0x40-0x4f:
     * REX prefixes on x86-64), and two that can_optimize must refuse.
     */
    static final String EXTRA = '''
        .text
        .globl incdec, indirect, farjmp, sum3, call_sum3
        .type sum3, @function
sum3:   lea  (%eax,%edx), %eax    # 8d 04 10
        add  %ecx, %eax           # 01 c8: the region is these 5 bytes
        add  %ecx, %eax           # a + b + 2c
        ret
        .size sum3, .-sum3
        .type call_sum3, @function
call_sum3:
        push %ebx                 # 53
        mov  $0x77, %ebx          # bb imm32
        call sum3                 # e8 rel32: returns to call_sum3+11
        add  %ebx, %eax
        pop  %ebx
        ret
        .size call_sum3, .-call_sum3
        .type incdec, @function
incdec: inc  %eax                 # 40
        inc  %eax                 # 40
        dec  %edx                 # 4a
        add  %edx, %eax           # 01 d0: the region is these 5 bytes
        ret                       # (a + 2) + (b - 1)
        .size incdec, .-incdec
        .type indirect, @function
indirect:
        mov  %eax, %ecx           # 89 c1
        add  $1, %ecx             # 83 c1 01
        jmp  *%edx                # ff e2: an indirect jump anywhere in the function refuses it
        .size indirect, .-indirect
        .type farjmp, @function
farjmp: mov  %eax, %ecx
        add  $1, %ecx
        ljmp $0x10, $incdec       # ea: far jmp ptr16:32, i386 only
        .size farjmp, .-farjmp
'''

    static Map bed(Era era, List<byte[]> objects = [Kprobes32Bed.gnuAs32(Kprobes32Spec.AS_TEXT + EXTRA)]) {
        def bed = new Kprobes32Bed(era, false, objects)
        [bed: bed, opt: new Optprobes(bed.kprobes, { o -> new X86Optprobes(o) }, 0)]
    }

    @Unroll
    def "#era i386: an optimized probe's handler runs once per hit through the detour buffer and sees the regparm registers"() {
        given:
        def (Kprobes32Bed bed, Optprobes opt) = bed(era).with { [it.bed, it.opt] }
        List<List<Long>> seen = []
        def kp = Kprobe.at('sum3', 0, { Kprobe p, PtRegs regs ->
            seen << [regs.ax, regs.dx, regs.cx, regs.ip, bed.kernel.memory().read32(regs.sp) & 0xffffffffL, regs.sp]
            0
        } as PreHandler, null)
        long[] r = new long[2]
        int first = 0, len = 0
        long detour = 0

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, kp)
            opt.optimizeAndWait(ctx, kp)
            first = bed.kernel.memory().read8(kp.address()) & 0xff
            int rel = bed.kernel.memory().read32(kp.address() + 1)
            detour = (kp.address() + 5 + rel) & 0xffffffffL
            len = opt.at(kp.address()).length()
            r[0] = ctx.call('sum3', 2, 3, 4)
            r[1] = ctx.call('call_sum3', 5, 6, 7)
            bed.kprobes.unregister(ctx, kp)
        }

        then: 'a jmp rel32 into the 32-bit module space replaced lea (%eax,%edx),%eax; add %ecx,%eax (8d 04 10 01 c8: 5 bytes)'
        first == 0xe9
        detour >= Layout.MODULE_SPACE_32 && detour < Layout.MODULE_SPACE_32 + 0x1000000L
        len == 5
        and: 'the results are the unprobed ones: 2 + 3 + 2 * 4, and call_sum3 adds 0x77 to 5 + 6 + 2 * 7'
        r[0] == 13
        r[1] == 25 + 0x77
        and: 'once per hit; eax, edx, ecx are the arguments; ip is addr + 1; sp points at the return address (call_sum3 + 11)'
        seen.size() == 2
        seen[0][0..2] == [2L, 3L, 4L]
        seen[1][0..2] == [5L, 6L, 7L]
        seen.every { it[3] == kp.address() + 1 }
        seen[1][4] == bed.sym('call_sum3') + 11
        and: 'sp is the probed context esp: the handler ran on the same stack, 4-byte aligned'
        seen.every { it[5] % 4 == 0 }
        bed.log.events().count { it.kind() == 'opt-hit' } == 2
        bed.log.events().count { it.kind() == 'int3' } == 0
        and: 'unregistering put lea back (8d)'
        (bed.kernel.memory().read8(kp.address()) & 0xff) == 0x8d
        bed.violations.first().isEmpty()

        where:
        era << [Era.E2010, Era.E2017]
    }

    def "registers the handler changes in the i386 pt_regs image reach the probed code: eax := 10 gives 10 + 3 + 2 * 4"() {
        given:
        def (Kprobes32Bed bed, Optprobes opt) = bed(Era.E2010).with { [it.bed, it.opt] }
        def kp = Kprobe.at('sum3', 0, { Kprobe p, PtRegs regs -> regs.ax = 10; 0 } as PreHandler, null)
        long r = 0

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, kp)
            opt.optimizeAndWait(ctx, kp)
            r = ctx.call('sum3', 2, 3, 4)
        }

        then:
        r == 21
        bed.log.events().count { it.kind() == 'opt-hit' } == 1
        bed.violations.first().isEmpty()
    }

    def "inc and dec (0x40-0x4f) are instructions on i386: the region is copied and run as such"() {
        given:
        def (Kprobes32Bed bed, Optprobes opt) = bed(Era.E2010).with { [it.bed, it.opt] }
        int hits = 0
        def kp = Kprobe.at('incdec', 0, { Kprobe p, PtRegs regs -> hits++; 0 } as PreHandler, null)
        long r = 0

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, kp)
            opt.optimizeAndWait(ctx, kp)
            r = ctx.call('incdec', 100, 20)
        }

        then: '(100 + 2) + (20 - 1); four instructions, 5 bytes (40 40 4a 01 d0)'
        r == 121
        hits == 1
        opt.at(kp.address()).length() == 5
        bed.violations.first().isEmpty()
    }

    @Unroll
    def "can_optimize refuses #fn on i386: #why"() {
        given:
        def (Kprobes32Bed bed, Optprobes opt) = bed(Era.E2010).with { [it.bed, it.opt] }
        def kp = Kprobe.at(fn, 0, { Kprobe p, PtRegs regs -> 0 } as PreHandler, null)
        String message = null

        when:
        bed.run { ctx ->
            bed.kprobes.register(ctx, kp)
            try {
                opt.optimizeAndWait(ctx, kp)
            } catch (KprobeException e) {
                message = e.message
            }
        }

        then:
        message != null
        message.contains('indirect jump')
        message.replaceAll(/\s+/, ' ').contains(insn)
        (bed.kernel.memory().read8(kp.address()) & 0xff) == 0xcc     // still an int3 probe

        where:
        fn         | insn           | why
        'indirect' | 'jmp *%edx'    | 'ff /4, a jump through a register'
        'farjmp'   | '$0x10,$0x'    | 'ea, the far jmp ptr16:32 that only 32-bit mode has'
    }

    def "gcc -m32 kstyle32.o: optimized probes at the function entries change no result"() {
        given:
        def plain = new Kprobes32Bed(Era.E2010, false, [Kprobes32Bed.kstyle32()])
        List<Long> expected = []
        plain.run { ctx -> expected = Kprobes32Spec.callAll(plain, ctx) }
        def (Kprobes32Bed bed, Optprobes opt) = bed(Era.E2010, [Kprobes32Bed.kstyle32()]).with { [it.bed, it.opt] }
        Map<String, Integer> hits = new TreeMap<>()
        List<String> optimized = []
        Map<String, String> refused = [:]

        when:
        List<Long> got = []
        bed.run { ctx ->
            FNS.each { fn ->
                def kp = Kprobe.at(fn, 0, { Kprobe p, PtRegs regs -> hits.merge(fn, 1, Integer::sum); 0 } as PreHandler, null)
                bed.kprobes.register(ctx, kp)
                try {
                    opt.optimizeAndWait(ctx, kp)
                    optimized << fn
                } catch (KprobeException e) {
                    refused[fn] = e.message     // stays an int3 probe: the results must not change either
                }
            }
            got = Kprobes32Spec.callAll(bed, ctx)
        }

        then:
        got == expected
        expected[5] == 34 && expected[10] == 12345     // fib(9), short_leaf: the unprobed run is itself right
        and: '''objdump -d kstyle32.o by hand: dispatch_op has jmp *0x0(,%eax,4) (a jump table); find_first_set's
              region starts xor, then f3 0f bc (tzcnt; the 2006 table refuses first byte f3); hweight's region
              is xor, test, je (7x: refused); short_leaf is a lone ret (1 byte); the other three entries optimize'''
        optimized == ['fib_recursive', 'counter_add', 'do_work']
        refused['dispatch_op'].contains('indirect jump')
        refused['find_first_set'].contains('not boostable')
        refused['hweight'].contains('not boostable')
        refused['short_leaf'].contains('remain to the end of short_leaf')
        hits['short_leaf'] == 3                        // once directly, once per do_work (objdump -dr: R_386_PC32 short_leaf at do_work's call)
        hits['counter_add'] == 3                       // likewise: once directly, once per do_work (R_386_PC32 counter_add at 0x307)
        bed.log.events().count { it.kind() == 'opt-hit' } > 0
        bed.violations.first().isEmpty()

        where:
        FNS = ['dispatch_op', 'fib_recursive', 'find_first_set', 'hweight', 'short_leaf', 'counter_add', 'do_work']
    }
}
