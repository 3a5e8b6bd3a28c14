package io.probesim.probes.kprobes.x86

import io.probesim.probes.Era
import io.probesim.probes.kprobes.Errno
import io.probesim.probes.kprobes.Kprobe
import io.probesim.probes.kprobes.KprobeException
import io.probesim.probes.kprobes.KprobesTestbed
import io.probesim.probes.kprobes.PreHandler
import io.probesim.x86.kernel.HostContext
import io.probesim.x86.mem.Memory
import spock.lang.Specification

/**
 * The v5.13 int3 single-step's emulated instructions (era modern, spec 2.6). The oracle is the
 * same function run unprobed by our interpreter (itself checked against the host CPU in
 * x86-machine): a probe must not change what the instruction does. Where the kernel's
 * kprobe_emulate_loop / kprobe_emulate_ret differ from the CPU, the expected value is derived by
 * hand from the kernel source (arch/x86/kernel/kprobes/core.c), written out in the feature.
 */
class EmulationSpec extends Specification {

    static final List<String> CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g']
    static final long CF = 1, PF = 4, ZF = 0x40, SF = 0x80, OF = 0x800

    /** Sets the status flags from %rdi (others kept), as every test function starts. */
    static final String SET_FLAGS = '''pushf
                 pop  %rax
                 and  $-0x8d6, %rax
                 or   %rdi, %rax
                 push %rax
                 popf'''

    /** Jcc in both encodings: short (7x rel8, assembled) and near (0F 8x rel32, raw). The not-taken path is 6 bytes. */
    static String jccText() {
        CC.withIndex().collect { cc, i ->
            """
jcc_s_$i:        $SET_FLAGS
at_jcc_s_$i:     j$cc t_jcc_s_$i
                 mov  \$2, %eax
                 ret
t_jcc_s_$i:      mov  \$1, %eax
                 ret
jcc_n_$i:        $SET_FLAGS
at_jcc_n_$i:     .byte 0x0f, ${0x80 + i}, 6, 0, 0, 0
                 mov  \$2, %eax
                 ret
                 mov  \$1, %eax
                 ret
"""
        }.join('')
    }

    /** loop forms (raw, so 67 can be given): rdi = count, rsi = where rcx is stored, rdx = flags. Not-taken path: 9 bytes. */
    static final Map<String, List<Integer>> LOOPS = [
            loopne: [0xe0], loope: [0xe1], loop: [0xe2], jrcxz: [0xe3],
            addr32_loopne: [0x67, 0xe0], addr32_loope: [0x67, 0xe1], addr32_loop: [0x67, 0xe2], jecxz: [0x67, 0xe3]]

    static String loopText() {
        LOOPS.collect { name, op ->
            """
l_$name:         push %rdi
                 mov  %rdx, %rdi
                 $SET_FLAGS
                 pop  %rcx
at_l_$name:      .byte ${(op + [9]).join(', ')}
                 mov  %rcx, (%rsi)
                 mov  \$2, %eax
                 ret
                 mov  %rcx, (%rsi)
                 mov  \$1, %eax
                 ret
"""
        }.join('')
    }

    static final String BRANCHES = '''
callee:          lea  100(%rdi), %rax
                 ret
b_call_rel:      nop
at_b_call_rel:   call callee
                 add  $1, %rax
                 ret
b_jmp_short:     mov  %rdi, %rax
at_b_jmp_short:  jmp  b_jmp_short_t
                 mov  $0, %rax
b_jmp_short_t:   ret
b_jmp_near:      mov  %rdi, %rax
at_b_jmp_near:   .byte 0xe9, 3, 0, 0, 0
                 .byte 0x31, 0xc0, 0xc3
                 add  $3, %rax
                 ret
b_call_rax:      lea  callee(%rip), %rax
at_b_call_rax:   call *%rax
                 add  $1, %rax
                 ret
b_call_r11:      lea  callee(%rip), %r11
at_b_call_r11:   call *%r11
                 add  $2, %rax
                 ret
b_jmp_rdx:       lea  callee(%rip), %rdx
at_b_jmp_rdx:    jmp  *%rdx
b_jmp_r9:        lea  callee(%rip), %r9
at_b_jmp_r9:     jmp  *%r9
b_ret:           lea  7(%rdi), %rax
at_b_ret:        ret
b_pushf:         ''' + SET_FLAGS + '''
at_b_pushf:      pushf
                 pop  %rax
                 ret
b_popf:          push %rdi
at_b_popf:       popf
                 pushf
                 pop  %rax
                 ret
b_cli:           nop
at_b_cli:        cli
                 pushf
                 pop  %rax
                 sti
                 ret
b_sti:           cli
at_b_sti:        sti
                 pushf
                 pop  %rax
                 ret
w_ret_imm:       mov  %rsp, %rdx
                 push $5
                 call f_ret_imm
                 mov  %rdx, %rax
                 sub  %rsp, %rax
                 mov  %rdx, %rsp
                 ret
f_ret_imm:       nop
at_f_ret_imm:    ret  $8
'''

    /** Refused instructions: each alone in a function. */
    static final Map<String, List<Integer>> REFUSED = [
            int3: [0xcc], int_3: [0xcd, 0x03], ud2: [0x0f, 0x0b], iretq: [0x48, 0xcf],
            call_mem: [0xff, 0x10], jmp_mem: [0xff, 0x20], lcall_mem: [0xff, 0x18], ljmp_mem: [0xff, 0x28],
            call_eax_addr32: [0x67, 0xff, 0xd0], vmcall: [0x0f, 0x01, 0xc1], far_call_9a: [0x9a], far_jmp_ea: [0xea]]

    static String refusedText() {
        REFUSED.collect { name, b -> "r_$name: .byte ${b.join(', ')}\n                 ret\n" }.join('')
    }

    static final String TEXT = jccText() + loopText() + BRANCHES + refusedText()

    KprobesTestbed bed
    long buf

    def setup() {
        bed = new KprobesTestbed([era: Era.MODERN], TEXT)
        buf = bed.kernel.allocateModuleSpace(4096)
        bed.kernel.memory().map(buf, 4096, Memory.R | Memory.W)
    }

    /** Calls fn(args) unprobed, then with a probe at `at`; returns [unprobed, probed], each [rax, *extra reads]. */
    List<List<Long>> both(HostContext ctx, String fn, String at, List<Long> args, Closure<List<Long>> extra = { [] }) {
        def once = { -> [ctx.call(fn, args as long[])] + extra() }
        def plain = once()
        def p = Kprobe.at(at, 0, { k, r -> 0 } as PreHandler, null)
        bed.kprobes.register(ctx, p)
        def probed = once()
        bed.kprobes.unregister(ctx, p)
        [plain, probed]
    }

    static List<Long> flagCombos() {
        (0..<32).collect { bits -> [CF, PF, ZF, SF, OF].withIndex().sum { f, i -> (bits >> i) & 1 ? f : 0L } as long }
    }

    def "Jcc #form #mnemonic: emulated, it jumps exactly when the CPU does, for all 32 combinations of CF PF ZF SF OF"() {
        given:
        List<String> wrong = []
        Set<Long> outcomes = []

        when:
        bed.run { ctx ->
            for (long f : flagCombos()) {
                def (plain, probed) = both(ctx, "jcc_${form}_$cc", "at_jcc_${form}_$cc", [f])
                outcomes << plain[0]
                if (plain != probed) wrong << "flags 0x${Long.toHexString(f)}: CPU ${plain[0] == 1 ? 'jumps' : 'falls through'}, probed ${probed[0] == 1 ? 'jumps' : 'falls through'}"
            }
        }

        then: 'both directions occur (the combinations cover taken and not taken), and the probe changes none'
        outcomes == [1L, 2L] as Set
        wrong == []
        bed.violations.first().isEmpty()
        bed.log.events().count { it.kind() == 'kprobe-emulate' } == 32

        where:
        [form, cc] << [['s', 'n'], (0..15)].combinations()
        mnemonic = 'j' + CC[cc]
    }

    def "the JNG/JNLE bug (X86Kprobes jngAndBug): #mnemonic emulated with 'and' disagrees with the CPU in exactly the 16 flag combinations where one of SF!=OF and ZF holds"() {
        given:
        def b = new KprobesTestbed([era: Era.MODERN, jngAndBug: true], TEXT)
        List<Long> differ = []

        when:
        b.run { ctx ->
            for (long f : flagCombos()) {
                long plain = ctx.call("jcc_s_$cc", f)
                def p = Kprobe.at("at_jcc_s_$cc", 0, { k, r -> 0 } as PreHandler, null)
                b.kprobes.register(ctx, p)
                long probed = ctx.call("jcc_s_$cc", f)
                b.kprobes.unregister(ctx, p)
                if (plain != probed) differ << f
            }
        }

        then: '''hand-derived: the CPU's le is (SF!=OF) or ZF, the bug's is (SF!=OF) and ZF; they differ
                 exactly when one of the two terms holds and the other not: 16 of the 32 combinations'''
        differ == flagCombos().findAll { f -> (((f & SF) != 0) != ((f & OF) != 0)) != ((f & ZF) != 0) }
        differ.size() == 16

        where:
        cc << [0xe, 0xf]
        mnemonic = 'j' + CC[cc]
    }

    def "#name: the CPU's result and rcx unprobed; under the probe, the kernel's kprobe_emulate_loop as its source reads"() {
        given:
        List<String> wrong = []
        List<String> diverging = []
        long[] counts = [0L, 1L, 2L, 3L, 0x100000000L, 0x100000001L, -1L]
        boolean addr32 = LOOPS[name][0] == 0x67
        int type = LOOPS[name][-1] & 3

        when:
        bed.run { ctx ->
            for (long c : counts) {
                for (long zf : [0L, ZF]) {
                    def (plain, probed) = both(ctx, "l_$name", "at_l_$name", [c, buf, zf], { [bed.kernel.memory().read64(buf)] })
                    // the kernel, read from core.c: LOOP* test the count BEFORE decrementing it
                    // (`cx-- != 0`), a 32-bit count is decremented in the low half only; J*CXZ tests it.
                    long mask = addr32 ? 0xffffffffL : -1L
                    boolean match
                    long cxAfter = c
                    if (type != 3) {
                        match = (c & mask) != 0
                        cxAfter = (c & ~mask) | ((c - 1) & mask)
                    } else {
                        match = (c & mask) == 0
                    }
                    if (type == 0) match = match && zf == 0
                    if (type == 1) match = match && zf != 0
                    List<Long> kernel = [match ? 1L : 2L, cxAfter]
                    if (probed != kernel) wrong << "rcx=0x${Long.toHexString(c)} zf=${zf != 0}: probed ${probed}, kernel source says ${kernel}"
                    if (plain != probed) diverging << "rcx=0x${Long.toHexString(c)} zf=${zf != 0}"
                }
            }
        }

        then: 'the probed run is the kernel emulation; it diverges from the CPU only for LOOP* (J*CXZ is transparent)'
        wrong == []
        (type == 3) == diverging.isEmpty()
        bed.violations.first().isEmpty()

        where:
        name << LOOPS.keySet().toList()
    }

    def "#fn: a call, jmp, ret, pushf, popf, cli or sti under a probe does what it does unprobed"() {
        given:
        List<String> wrong = []

        when:
        bed.run { ctx ->
            for (long a : args) {
                def (plain, probed) = both(ctx, fn, 'at_' + fn, [a])
                if (plain != probed) wrong << "$fn($a): unprobed $plain, probed $probed"
            }
        }

        then:
        wrong == []
        bed.log.events().count { it.kind() == 'kprobe-emulate' } == args.size()
        bed.violations.first().isEmpty()

        where:
        fn            | args
        'b_call_rel'  | [0L, 5L]
        'b_jmp_short' | [9L]
        'b_jmp_near'  | [9L]
        'b_call_rax'  | [1L, 2L]
        'b_call_r11'  | [3L]
        'b_jmp_rdx'   | [4L]
        'b_jmp_r9'    | [5L]
        'b_ret'       | [6L, -7L]
        'b_pushf'     | flagCombos()
        'b_popf'      | [0x202L, 0x2c3L, 0xa47L, 0x206L]      // images pushf gives (bit 1 set, IF on)
        'b_cli'       | [0L]
        'b_sti'       | [0L]
    }

    def "ret \$8 under a probe: the kernel's kprobe_emulate_ret pops ip but not the 8 bytes, as its source reads"() {
        given:
        List<List<Long>> runs = []

        when:
        bed.run { ctx -> runs = both(ctx, 'w_ret_imm', 'at_f_ret_imm', [0L]) }
        def (plain, probed) = runs

        then: 'w_ret_imm returns how far its stack moved across the call: the CPU 0, the emulation 8 (imm16 ignored)'
        plain == [0L]
        probed == [8L]
    }

    def "#name (#bytes) is refused in era modern with #errno"() {
        given:
        KprobeException refused = null

        when:
        bed.run { ctx ->
            try {
                bed.kprobes.register(ctx, Kprobe.at('r_' + name, 0, { k, r -> 0 } as PreHandler, null))
            } catch (KprobeException e) {
                refused = e
            }
        }

        then:
        refused != null
        refused.errno() == errno
        !refused.message.isBlank()

        where: '''errno per the kernel: can_probe refuses undecodable bytes and INT/UD with EILSEQ (9a and ea do not
                  exist in 64-bit mode); prepare_emulation refuses the rest with EOPNOTSUPP'''
        name              | errno
        'int3'            | Errno.EILSEQ
        'int_3'           | Errno.EILSEQ
        'ud2'             | Errno.EILSEQ
        'far_call_9a'     | Errno.EILSEQ
        'far_jmp_ea'      | Errno.EILSEQ
        'iretq'           | Errno.EOPNOTSUPP
        'call_mem'        | Errno.EOPNOTSUPP
        'jmp_mem'         | Errno.EOPNOTSUPP
        'lcall_mem'       | Errno.EOPNOTSUPP
        'ljmp_mem'        | Errno.EOPNOTSUPP
        'call_eax_addr32' | Errno.EOPNOTSUPP
        'vmcall'          | Errno.EOPNOTSUPP
        bytes = REFUSED[name].collect { String.format('%02x', it) }.join(' ')
    }

    def "in era 2006 the memory-indirect call is stepped with TF, not refused"() {
        given:
        def old = new KprobesTestbed([era: Era.E2006], TEXT)
        int ret = -1

        when:
        old.run { ctx -> ret = old.kprobes.register(ctx, Kprobe.at('r_call_mem', 0, { k, r -> 0 } as PreHandler, null)) }

        then:
        ret == 0
    }
}
