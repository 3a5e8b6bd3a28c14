package io.probesim.probes.kprobes

import io.probesim.probes.kprobes.x86.X86Jprobes
import io.probesim.x86.kernel.Layout
import io.probesim.x86.kernel.Natives
import io.probesim.x86.mem.Memory
import spock.lang.Specification

/**
 * jprobes (shared/spec/kprobes-x86.md 2.9) on the emulated machine. Expected values are worked
 * out by hand from the x86 text below: probed(a, b, c) = (a + b) * c; caller(a, b, c) keeps 0x77
 * in rbx across the call and returns probed(a, b, c) + 0x77.
 */
class JprobesSpec extends Specification {

    /** A writable page where the mirror records what it saw (outside the text). */
    static final long DATA = Layout.KERNEL_TEXT + 0x100000
    static final long JPROBE_RETURN = Natives.address('jprobe_return')

    static final String TEXT = """
caller:      push %rbx
             mov  \$0x77, %rbx
             call probed
             add  %rbx, %rax
             pop  %rbx
             ret
probed:      lea  (%rdi,%rsi), %rax
             imul %rdx, %rax
             ret
mirror:      mov  \$${DATA}, %r11
             mov  %rdi, (%r11)
             mov  %rsi, 8(%r11)
             mov  %rdx, 16(%r11)
             mov  (%rsp), %rax
             mov  %rax, 24(%r11)
             pushf
             pop  %rax
             mov  %rax, 32(%r11)
             movq \$0, (%rsp)
             mov  \$0x1111, %rdi
             mov  \$0x2222, %rsi
             mov  \$0x3333, %rbx
             push %rbx
             call jprobe_return
mirror_rec:  mov  \$1, %rdi
             mov  \$1, %rsi
             mov  \$1, %rdx
             call probed
             call jprobe_return
mirror_bad:  push %rax
             mov  \$${JPROBE_RETURN + 1}, %r11
             jmp  *%r11
"""

    static KprobesTestbed bed(Map opts = [:]) {
        def b = new KprobesTestbed(opts, TEXT)
        b.kernel.memory().map(DATA, 4096, Memory.R | Memory.W)
        b
    }

    static Jprobes jprobes(KprobesTestbed b) {
        new Jprobes(b.kprobes, { j -> new X86Jprobes(j) })
    }

    static long sym(KprobesTestbed b, String name) {
        b.kernel.symbols().lookup(name).get().address()
    }

    def "the mirror sees the arguments and the caller's return address; the function and its caller run unchanged"() {
        given:
        def b = bed()
        def jp = jprobes(b)
        def probe = new Jprobe('probed', sym(b, 'mirror'))
        long returned = 0

        when:
        bed_run(b) { ctx ->
            jp.register(ctx, probe)
            returned = ctx.call('caller', 7, 5, 3)
            jp.unregister(ctx, probe)
        }
        def mem = b.kernel.memory()

        then: '(7 + 5) * 3 + 0x77 = 36 + 119'
        returned == 155
        mem.read64(DATA) == 7
        mem.read64(DATA + 8) == 5
        mem.read64(DATA + 16) == 3
        and: 'the mirror runs on the probed function entry stack: the return address into caller, after its call'
        mem.read64(DATA + 24) == sym(b, 'caller') + callerCallEnd(b)
        and: 'the pre handler clears IF for the mirror'
        (mem.read64(DATA + 32) & 0x200) == 0
        probe.nmissed() == 0
        b.violations.first().isEmpty()
    }

    /** caller: push %rbx (53: 1 byte), mov $0x77,%rbx (48 c7 c3 imm32: 7 bytes), call rel32 (5 bytes). */
    static long callerCallEnd(KprobesTestbed b) { 1 + 7 + 5 }

    def "traps per hit: int3 at the entry, int3 in jprobe_return, one debug trap; with the booster no debug trap"() {
        given:
        def b = bed(preempt: preempt)
        def jp = jprobes(b)
        def probe = new Jprobe('probed', sym(b, 'mirror'))
        def results = []
        int int3Second = 0, debugSecond = 0

        when: 'two calls: the first single-step measures the copy (lea: boostable), the second may boost'
        bed_run(b) { ctx ->
            jp.register(ctx, probe)
            results << ctx.call('caller', 1, 2, 3)
            int i0 = b.log.events().count { it.kind() == 'int3' }
            int d0 = b.log.events().count { it.kind() == 'debug' }
            results << ctx.call('caller', 2, 2, 2)
            int3Second = b.log.events().count { it.kind() == 'int3' } - i0
            debugSecond = b.log.events().count { it.kind() == 'debug' } - d0
        }

        then: '(1+2)*3 + 0x77 = 128; (2+2)*2 + 0x77 = 127'
        results == [128, 127]
        int3Second == 2
        debugSecond == debug
        b.violations.first().isEmpty()

        where: 'seed 001: jprobe + booster runs the probed instruction from its slot on !PREEMPT (era 2006)'
        preempt || debug
        true    || 1
        false   || 0
    }

    def "a hit of the jprobe from inside its own mirror is missed and counted; the nested call runs unprobed"() {
        given:
        def b = bed()
        def jp = jprobes(b)
        def probe = new Jprobe('probed', sym(b, 'mirror_rec'))
        long returned = 0

        when:
        bed_run(b) { ctx ->
            jp.register(ctx, probe)
            returned = ctx.call('caller', 4, 4, 4)
        }

        then: '(4+4)*4 + 0x77 = 151'
        returned == 151
        probe.nmissed() == 1
        b.log.events().count { it.kind() == 'jprobe-setjmp' } == 1
        b.violations.first().isEmpty()
    }

    def "jprobe_return from the wrong stack is a kernel BUG: no-oops"() {
        given:
        def b = bed()
        def jp = jprobes(b)
        def probe = new Jprobe('probed', sym(b, 'mirror_bad'))

        when:
        bed_run(b) { ctx ->
            jp.register(ctx, probe)
            ctx.call('caller', 1, 1, 1)
        }

        then:
        thrown(Throwable)
        b.violations.first().get().invariant() == 'no-oops'
        b.violations.first().get().message().contains('does not match saved sp')
    }

    def "register_jprobe refuses: #why"() {
        given:
        def b = bed()
        def jp = jprobes(b)
        KprobeException refused = null

        when:
        bed_run(b) { ctx ->
            jp.register(ctx, new Jprobe('caller', sym(b, 'mirror')))
            try {
                jp.register(ctx, new Jprobe(symbol, offset, entry(b)))
            } catch (KprobeException e) {
                refused = e
            }
        }

        then:
        refused != null
        refused.errno() == errno

        where:
        why                                   | symbol    | offset | entry                          || errno
        'not a function entry'                | 'probed'  | 4      | { sym(it, 'mirror') }          || Errno.EINVAL
        'unknown symbol'                      | 'nothere' | 0      | { sym(it, 'mirror') }          || Errno.ENOENT
        'a second break handler at an address'| 'caller'  | 0      | { sym(it, 'mirror') }          || Errno.EEXIST
        'an entry outside kernel text'        | 'probed'  | 0      | { DATA }                       || Errno.EINVAL
    }

    static void bed_run(KprobesTestbed b, Closure c) {
        b.run(c as java.util.function.Consumer)
    }
}
