package io.probesim.probes.kprobes.x86

import io.probesim.probes.Era
import io.probesim.probes.kprobes.Errno
import io.probesim.probes.kprobes.Kprobe
import io.probesim.probes.kprobes.KprobeException
import io.probesim.probes.kprobes.KprobesTestbed
import io.probesim.x86.kernel.Layout
import io.probesim.x86.mem.Memory
import spock.lang.Specification

/**
 * Spec 2.1: a probe on a RIP-relative instruction copies it with the displacement re-based to
 * the slot, so the copy reads and writes the same memory as the original. The expected values
 * are computed by hand from the data the test puts at `counter` (KERNEL_DATA); each probe is hit
 * three times, so the copy runs single-stepped (every hit on CONFIG_PREEMPT; the 2006 first hit
 * otherwise) and boosted (no CONFIG_PREEMPT: 2006 from the second hit, modern from the first).
 */
class RipRelativeSpec extends Specification {

    static final long COUNTER = Layout.KERNEL_DATA

    static final String TEXT = '''
load:    mov   counter(%rip), %rax          # 48 8b 05 disp32: rax = counter[0]
         add   %rdi, %rax
         ret
store:   mov   %rdi, counter+8(%rip)        # 48 89 3d disp32: counter[8] = rdi
         ret
addr:    lea   counter+16(%rip), %rax       # 48 8d 05 disp32: rax = &counter[16]
         ret
incr:    addq  $5, counter+24(%rip)         # 48 83 05 disp32 imm8: the disp is not the last field
         mov   counter+24(%rip), %rax
         ret
cmpi:    xor   %eax, %eax
         cmpl  $0x12345678, counter+32(%rip) # 81 3d disp32 imm32
         sete  %al
         ret
'''

    /** Calls each function three times (fn -> args) with probes on the given (fn, offset) points. */
    static Map run(Map opts, List<List> points) {
        def bed = new KprobesTestbed(opts + [externals: [counter: COUNTER]], TEXT)
        def mem = bed.kernel.memory()
        mem.map(COUNTER, Memory.PAGE_SIZE, Memory.R | Memory.W)
        mem.write64(COUNTER, 0x1111)
        mem.write64(COUNTER + 24, 100)
        mem.write64(COUNTER + 32, 0x12345678)
        def out = [:]
        bed.run { ctx ->
            def probes = points.collect { Kprobe.at(it[0] as String, it[1] as long, null, null) }
            probes.each { bed.kprobes.register(ctx, it) }
            out.load = (1..3).collect { ctx.call('load', it) }
            out.store = (1..3).collect { ctx.call('store', 0x70 + it); mem.read64(COUNTER + 8) }
            out.addr = (1..3).collect { ctx.call('addr') }
            out.incr = (1..3).collect { ctx.call('incr') }
            out.cmpi = (1..3).collect { ctx.call('cmpi') & 0xff }
            probes.each { bed.kprobes.unregister(ctx, it) }
        }
        def violation = bed.violations.first()
        if (violation.isPresent()) throw new AssertionError('invariant broken: ' + violation.get())
        out.kinds = bed.log.events().findAll { it.kind() in ['kprobe-ss', 'kprobe-boost'] }*.kind().unique().sort()
        out
    }

    static final Map EXPECTED = [
            load : [0x1112L, 0x1113L, 0x1114L],          // 0x1111 + arg
            store: [0x71L, 0x72L, 0x73L],                // what each call stored
            addr : [COUNTER + 16] * 3,                   // 0xffffffff82000010
            incr : [105L, 110L, 115L],                   // 100 + 5 per call
            cmpi : [1L, 1L, 1L],                         // counter[32] == 0x12345678
    ]

    def "#era, #mode: the rip-relative instructions read and write what they do without probes"() {
        given:
        def points = [['load', 0], ['store', 0], ['addr', 0], ['incr', 0], ['incr', 8], ['cmpi', 2]]

        when:
        def probed = run([era: era, preempt: preempt], points)
        def plain = run([era: era, preempt: preempt], [])

        then:
        plain.subMap(EXPECTED.keySet()) == EXPECTED
        probed.subMap(EXPECTED.keySet()) == EXPECTED
        probed.kinds == kinds

        where:
        era        | preempt || kinds
        Era.E2006  | true    || ['kprobe-ss']
        Era.E2006  | false   || ['kprobe-boost', 'kprobe-ss']
        Era.MODERN | true    || ['kprobe-ss']
        Era.MODERN | false   || ['kprobe-boost']          // spec 2.5: jmp written at registration, every hit boosts
        mode = preempt ? 'single-stepped' : era == Era.MODERN ? 'boosted' : 'single-stepped then boosted'
    }

    def "the copy's displacement points from the slot to the original target"() {
        given:
        def bed = new KprobesTestbed([era: Era.E2006, externals: [counter: COUNTER]], TEXT)
        long slot = 0
        byte[] copy = null

        when:
        bed.run { ctx ->
            def p = Kprobe.at('load', 0, null, null)
            bed.kprobes.register(ctx, p)
            slot = p.ainsn().slot()
            copy = bed.kernel.memory().read(slot, 7)
            bed.kprobes.unregister(ctx, p)
        }
        long disp = (copy[3] & 0xffL) | (copy[4] & 0xffL) << 8 | (copy[5] & 0xffL) << 16 | ((long) copy[6]) << 24

        then: 'same opcode bytes; the CPU adds the disp to the end of the 7-byte copy'
        copy[0..2] == [0x48, 0x8b, 0x05] as byte[]
        slot + 7 + disp == COUNTER
    }

    def "EINVAL when the target is more than 2 GiB from the slot"() {
        given: 'text at 0xffffffff81000000, slots at 0xffffffffa0000000: a target 0x7ff00000 below the text is ~2.5 GiB below the slot'
        def bed = new KprobesTestbed([era: Era.MODERN], 'far: mov -0x7ff00000(%rip), %rax\n ret\n')
        Throwable thrown = null

        when:
        bed.run { ctx ->
            try {
                bed.kprobes.register(ctx, Kprobe.at('far', 0, null, null))
            } catch (KprobeException e) {
                thrown = e
            }
        }

        then:
        thrown instanceof KprobeException
        ((KprobeException) thrown).errno() == Errno.EINVAL
        thrown.message.contains('2 GiB')
    }
}
