package io.probesim.probes.kprobes.x86

import io.probesim.probes.Era
import io.probesim.probes.kprobes.Jprobe
import io.probesim.probes.kprobes.Jprobes
import io.probesim.probes.kprobes.Kprobe
import io.probesim.probes.kprobes.KprobeException
import io.probesim.probes.kprobes.Kretprobe
import io.probesim.probes.kprobes.KretprobeHandler
import io.probesim.probes.kprobes.Kretprobes
import io.probesim.probes.kprobes.PostHandler
import io.probesim.probes.kprobes.PreHandler
import io.probesim.x86.decode.Decoder
import io.probesim.x86.decode.Mode
import io.probesim.x86.kernel.Layout
import io.probesim.x86.kernel.PtRegs
import spock.lang.Specification
import spock.lang.Unroll

/**
 * kprobes, the booster, kretprobes and jprobes on a 32-bit (i386) kernel. The probed code is
 * GNU's: `as --32` at test time for the hand-written functions below (expected values worked
 * out by hand in the comments, i386 regparm(3): arguments in eax, edx, ecx), and gcc -m32
 * -mregparm=3 for fixtures/kstyle/kstyle32.o, whose results with probes must equal the
 * unprobed run's (transparency).
 */
class Kprobes32Spec extends Specification {

    static final String AS_TEXT = '''
        .text
        .globl caller, probed, mirror, call_first, callee, pushf_first
        .type caller, @function
caller: push %ebx                 # 1 byte
        mov  $0x77, %ebx          # 5 bytes (bb imm32)
        call probed               # 5 bytes: returns to caller+11
        add  %ebx, %eax
        pop  %ebx
        ret
        .size caller, .-caller
        .type probed, @function
probed: lea  (%eax,%edx), %eax    # (a + b) * c
        imul %ecx, %eax
        ret
        .size probed, .-probed
        .type call_first, @function
call_first:
        call callee               # 5 bytes: a probe here single-steps a call from the slot
        add  $1, %eax
        ret
        .size call_first, .-call_first
        .type callee, @function
callee: lea  3(%eax,%eax,1), %eax # 2a + 3
        ret
        .size callee, .-callee
        .type pushf_first, @function
pushf_first:
        pushf                     # the image of TF (0x100) and IF (0x200) as the function sees them
        pop  %eax
        and  $0x300, %eax
        ret
        .size pushf_first, .-pushf_first
        .type mirror, @function
mirror: mov  %eax, rec            # what the jprobe mirror sees: eax, edx, ecx, the return address
        mov  %edx, rec+4
        mov  %ecx, rec+8
        mov  (%esp), %eax
        mov  %eax, rec+12
        movl $0, (%esp)           # scribble on the probed function's stack: jprobes restore it
        mov  $0x1111, %eax
        mov  $0x2222, %edx
        push %ebx
        call jprobe_return
        .size mirror, .-mirror
        .data
        .globl rec
rec:    .long 0, 0, 0, 0
'''

    static Kprobes32Bed asBed(Era era = Era.E2010, boolean preempt = true) {
        new Kprobes32Bed(era, preempt, [Kprobes32Bed.gnuAs32(AS_TEXT)])
    }

    def "a kernel-mode int3 on i386 pushes eflags, cs, eip (4 bytes each) and no ss:esp; regs' sp is the frame's end"() {
        given:
        def bed = asBed()
        long probed = bed.sym('probed')
        Map<String, Long> v = [:]
        def pre = { Kprobe p, PtRegs regs ->
            def mem = bed.kernel.memory()
            long frame = regs.frameAddress()
            v.frame = frame; v.esp = regs.cpu.cpu().gpr[4]; v.sp = regs.sp; v.ip = regs.ip
            v.w0 = mem.read32(frame) & 0xffffffffL; v.w1 = mem.read32(frame + 4) as long; v.w2 = mem.read32(frame + 8) as long
            v.ret = mem.read32(regs.sp) & 0xffffffffL
            0
        } as PreHandler

        when:
        long[] r = new long[1]
        bed.run { ctx ->
            bed.kprobes.register(ctx, Kprobe.at('probed', 0, pre, null))
            r[0] = ctx.call('caller', 7, 5, 3)
        }

        then: 'Intel SDM vol. 3 6.12.1 (same privilege: EFLAGS, CS, EIP pushed); kernel_stack_pointer(regs) = &regs->sp'
        r[0] == 155                     // (7 + 5) * 3 + 0x77
        v.esp == v.frame                // the entry pushed nothing but the frame
        v.w0 == probed + 1              // eip after the int3
        v.ip == probed + 1
        v.w1 == Layout.KERNEL_CS
        (v.w2 & 0x2) == 0x2             // EFLAGS bit 1 always reads 1
        v.sp == v.frame + 12            // three 4-byte words, no sp field
        v.ret == bed.sym('caller') + 11 // the probed function's stack top: its return address
        bed.violations.first().isEmpty()
    }

    @Unroll
    def "#variant on i386: call-first and pushf-first functions return what they return unprobed (#era, preempt #preempt)"() {
        given:
        def bed = asBed(era, preempt)
        int pre = 0, post = 0
        def preH = { p, regs -> pre++; 0 } as PreHandler
        def postH = withPost ? ({ p, regs, f -> post++ } as PostHandler) : null

        when:
        long[] r = new long[4]
        bed.run { ctx ->
            ['call_first', 'pushf_first', 'probed'].each { bed.kprobes.register(ctx, Kprobe.at(it, 0, preH, postH)) }
            2.times {
                r[0] = ctx.call('call_first', 10)
                r[1] = ctx.call('call_first', 0x7fff0000L)
                r[2] = ctx.call('pushf_first')
                r[3] = ctx.call('caller', 2, 3, 4)
            }
        }

        then:
        r[0] == 24                      // 2 * 10 + 3 + 1
        r[1] == ((2 * 0x7fff0000L + 4) & 0xffffffffL)
        r[2] == 0                       // callFunction runs with IF and TF clear; the step's TF must not show
        r[3] == 20 + 0x77               // (2 + 3) * 4 + 0x77
        pre == 8                        // four probed entries, twice
        post == (withPost ? 8 : 0)
        bed.log.events().count { it.kind() == 'kprobe-boost' } == boosts
        bed.violations.first().isEmpty()

        where: '''seed 000's table boosts neither call (E8) nor pushf (9C), and lea only after its first, measuring step;
                  the modern list (spec 2.5) refuses E8 but not 9C, and boosts from the first hit'''
        variant          | era       | preempt | withPost || boosts
        'single-step'    | Era.E2010 | true    | false    || 0
        'post handler'   | Era.E2010 | false   | true     || 0
        'booster 2006'   | Era.E2006 | false   | false    || 1
        'booster 2010'   | Era.E2010 | false   | false    || 1
        'booster 2017'   | Era.E2017 | false   | false    || 4
    }

    @Unroll
    def "#kind kretprobe on i386: the handler sees eax, the caller gets it, the return lands back in the caller"() {
        given:
        def bed = asBed()
        def krp = new Kretprobes(bed.kprobes, { k -> new X86Kretprobes(k, kind) })
        List<Long> seen = []
        def rp = new Kretprobe('probed', null, { ri, PtRegs regs -> seen << regs.ax; 0 } as KretprobeHandler, 0)

        when:
        List<Long> got = []
        bed.run { ctx ->
            krp.register(ctx, rp)
            got << ctx.call('caller', 7, 5, 3) << ctx.call('caller', 1, 1, 1)
            krp.unregister(ctx, rp)
        }

        then:
        seen == [36L, 2L]               // (7 + 5) * 3, (1 + 1) * 1
        got == [155L, 2L + 0x77]
        rp.nmissed() == 0
        bed.log.events().count { it.kind() == 'int3' } == traps
        bed.violations.first().isEmpty()

        where: 'the probed trampoline takes a second int3 per return (seed 000), the booster none'
        kind                             || traps
        X86Kretprobes.Trampoline.PROBED  || 4
        X86Kretprobes.Trampoline.BOOSTED || 2
    }

    def "a jprobe on i386: the mirror sees the regparm arguments and the return address; the function runs unchanged after"() {
        given:
        def bed = asBed()
        def jp = new Jprobes(bed.kprobes, { j -> new X86Jprobes(j) })
        def probe = new Jprobe('probed', bed.sym('mirror'))

        when:
        long[] r = new long[1]
        bed.run { ctx ->
            jp.register(ctx, probe)
            r[0] = ctx.call('caller', 7, 5, 3)
        }
        def mem = bed.kernel.memory()
        long rec = bed.sym('rec')

        then:
        r[0] == 155
        mem.read32(rec) == 7 && mem.read32(rec + 4) == 5 && mem.read32(rec + 8) == 3
        (mem.read32(rec + 12) & 0xffffffffL) == bed.sym('caller') + 11
        bed.log.events().count { it.kind() == 'jprobe-longjmp' } == 1
        bed.violations.first().isEmpty()
    }

    /** kstyle32.o functions and arguments that need no memory set up (hand-picked, regparm). */
    static final List<List> KSTYLE_CALLS = [
            ['dispatch_op', 0, 40, 2], ['dispatch_op', 1, 40, 2], ['dispatch_op', 3, 40, 3], ['dispatch_op', 7, 5, 6],
            ['dispatch_op', 11, -9, 4], ['fib_recursive', 9], ['fib_recursive', 1], ['find_first_set', 0x80, 0],
            ['find_first_set', 0, 0], ['hweight', 0xf0f0f0f0L, 0], ['short_leaf', 12345], ['counter_add', 5, 0],
            ['do_work', 6], ['do_work', 13]]    // u64 arguments take eax:edx

    static List<Long> callAll(Kprobes32Bed bed, io.probesim.x86.kernel.HostContext ctx) {
        KSTYLE_CALLS.collect { c -> ctx.call(c[0] as String, *(c.drop(1).collect { it as long }) as long[]) }
    }

    /** Every instruction start of `fn`, by our decoder (validated against objdump in x86-machine's KernelStyleObjdumpSpec). */
    static List<Long> boundaries(Kprobes32Bed bed, String fn) {
        def s = bed.kernel.symbols().require(fn)
        byte[] code = bed.kernel.memory().read(s.address(), (int) s.size())
        List<Long> out = []
        int at = 0
        while (at < code.length) {
            out << s.address() + at
            at += Decoder.decode(code, at, s.address() + at, Mode.BITS32).length()
        }
        out
    }

    @Unroll
    def "gcc -m32 kstyle32.o: a kprobe on every instruction of #fns.size() functions changes no result (#variant)"() {
        given:
        def plain = new Kprobes32Bed(Era.E2010, true, [Kprobes32Bed.kstyle32()])
        List<Long> expected = []
        plain.run { ctx -> expected = callAll(plain, ctx) }
        def bed = new Kprobes32Bed(era, preempt, [Kprobes32Bed.kstyle32()])
        Map<Long, Integer> hits = new TreeMap<>()
        def pre = { Kprobe p, PtRegs regs -> hits.merge(p.address(), 1, Integer::sum); 0 } as PreHandler
        List<String> refused = []

        when:
        List<Long> got = []
        bed.run { ctx ->
            fns.each { fn ->
                boundaries(bed, fn).each { a ->
                    try {
                        bed.kprobes.register(ctx, new Kprobe(null, 0, a, pre, null))
                    } catch (KprobeException e) {
                        refused << "${fn}@0x${Long.toHexString(a)}: ${e.message}".toString()
                    }
                }
            }
            got = callAll(bed, ctx)
        }

        then:
        refused.isEmpty()
        got == expected
        expected[5] == 34 && expected[10] == 12345     // fib(9), short_leaf: the unprobed run is itself right
        hits.size() > 40                               // most instructions were reached and probed
        hits[bed.sym('short_leaf')] == 3               // once directly, once per do_work (objdump -dr: R_386_PC32 short_leaf at do_work's call, 0x2fc)
        bed.violations.first().isEmpty()

        where:
        variant        | era       | preempt
        'single-step'  | Era.E2010 | true
        'booster 2006' | Era.E2006 | false
        'booster 2017' | Era.E2017 | false

        fns = ['dispatch_op', 'fib_recursive', 'find_first_set', 'hweight', 'short_leaf', 'counter_add', 'do_work']
    }
}
