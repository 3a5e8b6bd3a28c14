package io.probesim.x86.kernel

import io.probesim.x86.decode.GnuTools
import io.probesim.x86.decode.Mode
import spock.lang.Specification
import spock.lang.Unroll

import java.util.HexFormat

/**
 * Faults in kernel mode end in an oops (no-oops) whose message names the faulting address with
 * its symbol, the instruction's bytes and its disassembly, as the kernel's "invalid opcode" /
 * "general protection fault" / "BUG: unable to handle page fault" reports do (with the Code: line).
 * Bytes and disassembly are checked against GNU objdump of the same source.
 */
class KernelFaultSpec extends Specification {

    @Unroll
    def "#what in a kernel thread oopses naming the address, the bytes and objdump's disassembly"() {
        given:
        String text = """
            bad:    nop
                    mov \$0x12345000, %ebx
                    movabs \$0x0000800000000000, %rdx
                    lea bad(%rip), %rcx
            fault:  ${insn}
                    ret
        """
        def bed = new KernelBed(text, check: ['no-oops'])
        bed.x86('victim', 0, 'bad')
        def objdump = GnuTools.disassemble(GnuTools.assemble('.text\n' + text, Mode.BITS64, 'kfault'), Mode.BITS64)
        long faultOffset = bed.sym('fault') - Layout.KERNEL_TEXT
        def line = objdump.find { it.address == faultOffset }

        when:
        bed.run(KernelBed.us(50))

        then: 'an oops at the faulting instruction'
        def v = bed.violation()
        v != null && v.invariant() == 'no-oops'
        String at = "0x${Long.toHexString(bed.sym('fault'))} <fault>"
        String expected = "${kind} in kernel mode at ${at}: ${HexFormat.ofDelimiter(' ').formatHex(line.bytes)}  "
        v.message().contains(expected)
        normalise(v.message().substring(v.message().indexOf(expected) + expected.length())) == normalise(line.text)

        and: 'the task is dead, the other CPUs go on'
        bed.events('killed').size() == 1

        where:
        what                                          | insn                 | kind
        'an instruction that decodes but is not run'  | 'rdmsr'              | 'invalid opcode'
        'rdtsc (decoded, not executed)'               | 'rdtsc'              | 'invalid opcode'
        'a move from a control register'              | 'mov %cr3, %rax'     | 'invalid opcode'
        'ud2'                                         | 'ud2'                | 'invalid opcode'
        'a load from a non-canonical address'         | 'mov (%rdx), %rax'   | 'general protection fault'
        'a jump to a non-canonical address'           | 'jmp *%rdx'          | 'general protection fault'
        'a load from an unmapped page'                | 'mov (%rbx), %rax'   | 'page fault at 0x12345000 (read, not mapped)'
        'a store to read-only kernel text'            | 'movb $1, (%rcx)'    | 'page fault at 0xffffffff81000000 (write, protection)'
    }

    def "bytes that do not decode oops with the address and the raw bytes"() {
        given: '06 (push %es) is invalid in 64-bit mode'
        def bed = new KernelBed('bad: nop\nfault: .byte 0x06, 0x90, 0x90, 0x90\nret', check: ['no-oops'])
        bed.x86('victim', 0, 'bad')

        when:
        bed.run(KernelBed.us(50))

        then:
        bed.violation().message().contains("invalid opcode in kernel mode at 0x${Long.toHexString(bed.sym('fault'))} <fault>: 06 90 90 90 (undecodable)")
    }

    static String normalise(String s) {
        s.trim().replaceAll(/\s+/, ' ')
    }
}
