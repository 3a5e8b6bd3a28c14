package io.probesim.probes.kprobes.x86

import io.probesim.probes.Era
import io.probesim.probes.kprobes.Kprobe
import io.probesim.probes.kprobes.KprobesTestbed
import io.probesim.x86.asm.Assembler
import io.probesim.x86.decode.Decoder
import io.probesim.x86.decode.Mode
import io.probesim.x86.kernel.Layout
import spock.lang.Specification

/**
 * resume_execution's fixups, shown by transparency: a probe on each instruction boundary of a
 * function must leave what the function computes unchanged. The reference is the same call on
 * a machine without probes. Each probe is hit several times, so the booster (2006, no
 * CONFIG_PREEMPT) runs the copy both single-stepped (first hit) and boosted (later hits).
 */
class ResumeExecutionSpec extends Specification {

    /**
     * Exercises the fixup classes: call rel32 (return address), pushf (flags image), ret (ip
     * already right), jmp and jcc (not boostable in 2006), plain ALU (ip += orig - copy).
     */
    static final String TEXT = '''
func:    push %rbp
         mov  %rsp, %rbp
         pushf
         pop  %rax
         and  $0xfd5, %rax        # CF PF AF ZF SF TF IF DF OF
         call helper
         add  %rdi, %rax
         cmp  $0x100, %rax
         jb   small
         sub  $0x10, %rax
small:   jmp  out
         nop
out:     pop  %rbp
         ret
helper:  lea  7(%rdi), %rdx
         add  %rdx, %rax
         ret
'''

    static List<Long> boundaries(String fn) {
        def asm = Assembler.assemble(TEXT, Layout.KERNEL_TEXT, Mode.BITS64)
        def sym = asm.symbols().find { it.name() == fn }
        def out = []
        long at = sym.address()
        while (at < sym.address() + sym.size()) {
            out << at - sym.address()
            at += Decoder.decode(asm.code(), (int) (at - Layout.KERNEL_TEXT), at, Mode.BITS64).length()
        }
        out
    }

    static List<Long> callResults(Map opts, List<Long> offsets, List<Long> args) {
        def bed = new KprobesTestbed(opts, TEXT)
        def results = []
        bed.run { ctx ->
            def probes = offsets.collect { off -> Kprobe.at(off < 0x20 ? 'func' : 'helper', off < 0x20 ? off : off - 0x20, null, null) }
            probes.each { bed.kprobes.register(ctx, it) }
            args.each { a -> 3.times { results << ctx.call('func', a) } }
            probes.each { bed.kprobes.unregister(ctx, it) }
        }
        def violation = bed.violations.first()
        if (violation.isPresent()) throw new AssertionError('invariant broken: ' + violation.get())
        results
    }

    def "a probe at func+#offset (#mode) leaves the function's results unchanged"() {
        given:
        def args = [1L, 0x200L, 0xffffL]

        expect:
        callResults(opts, [offset], args) == callResults(opts, [], args)

        where:
        [offset, mode] << [boundaries('func'), ['single-step, preemptible', 'boosted, no CONFIG_PREEMPT']].combinations()
        opts = mode.startsWith('boosted') ? [preempt: false, era: Era.E2006] : [preempt: true, era: Era.E2006]
    }

    def "probes on every boundary of func and helper at once, boosted"() {
        given:
        def all = boundaries('func') + boundaries('helper').collect { it + 0x20 }
        def opts = [preempt: false, era: Era.E2006]

        expect:
        boundaries('func').last() < 0x20
        callResults(opts, all, [3L, 0x300L]) == callResults(opts, [], [3L, 0x300L])
    }
}
