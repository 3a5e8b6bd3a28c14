package io.probesim.x86.cpu

import io.probesim.x86.decode.Mnemonic
import io.probesim.x86.mem.Memory
import spock.lang.Specification

import static io.probesim.x86.cpu.Cpu.*
import static io.probesim.x86.cpu.Machine.*

/** Exceptions and traps: what step() returns, where rip is, and that faults change nothing. */
class TrapSpec extends Specification {

    def "int3 is a trap: BP with rip after the int3"() {
        given:
        def m = new Machine('nop\nint3\nmov $7, %eax')

        expect:
        m.cpu.step() == Step.OK
        m.cpu.step() == Step.BP
        m.cpu.rip == CODE + 2
        m.cpu.lastCycles() == CycleCosts.TRAP_ENTRY

        and: 'execution continues after it'
        m.cpu.step() == Step.OK
        m.reg(RAX) == 7
    }

    def "TF set before an instruction: it executes, then DB with rip at the next one"() {
        given:
        def m = new Machine('mov $1, %eax\nmov $2, %ebx')
        m.cpu.rflags |= Flags.TF

        when:
        int r = m.cpu.step()

        then:
        r == Step.DB
        m.reg(RAX) == 1
        m.cpu.rip == CODE + 5
        (m.cpu.dr6 & DR6_BS) != 0
    }

    def "an iretq that loads TF does not trap itself; the next instruction executes and traps"() {
        given: 'an interrupt frame whose rflags has TF, built by the code itself'
        def m = new Machine('''
            mov %rsp, %rax
            push $0x18
            push %rax
            pushfq
            orq $0x100, (%rsp)
            push $0x10
            lea target(%rip), %rcx
            push %rcx
            iretq
        target:
            mov $5, %edx
            nop
        ''')

        when: 'up to and including the iretq'
        int r = Step.OK
        while (r == Step.OK && m.cpu.lastInstruction()?.mnemonic() != Mnemonic.IRET) r = m.cpu.step()

        then:
        r == Step.OK
        (m.cpu.rflags & Flags.TF) != 0
        m.cpu.rip == CODE + m.code.length - 6
        m.reg(RSP) == STACK_TOP
        m.cpu.cs == 0x10
        m.cpu.ss == 0x18
        m.cpu.lastCycles() == CycleCosts.IRET

        when:
        r = m.cpu.step()

        then: 'the first instruction of the target ran, then the single-step trap'
        r == Step.DB
        m.reg(RDX) == 5
        m.cpu.rip == CODE + m.code.length - 1
    }

    def "popfq that sets TF traps after the following instruction; popfq that clears TF traps after itself"() {
        given:
        def m = new Machine('''
            pushfq
            orq $0x100, (%rsp)
            popfq
            inc %eax
            pushfq
            andq $~0x100, (%rsp)
            popfq
            inc %eax
        ''')

        expect:
        m.cpu.step() == Step.OK      // pushfq
        m.cpu.step() == Step.OK      // orq
        m.cpu.step() == Step.OK      // popfq: TF now set, but no trap for the popfq itself
        (m.cpu.rflags & Flags.TF) != 0
        m.cpu.step() == Step.DB      // inc
        m.reg(RAX) == 1
        m.cpu.step() == Step.DB      // pushfq (TF still set)
        m.cpu.step() == Step.DB      // andq
        m.cpu.step() == Step.DB      // popfq: began with TF set, so it traps even though it cleared TF
        (m.cpu.rflags & Flags.TF) == 0
        m.cpu.step() == Step.OK      // inc: no trap
        m.reg(RAX) == 2
    }

    def "hlt returns HALT with rip after it"() {
        given:
        def m = new Machine('hlt\nnop')

        expect:
        m.cpu.step() == Step.HALT
        m.cpu.rip == CODE + 1
    }

    def "cli and sti change IF; sti opens a one-instruction interrupt shadow"() {
        given:
        def m = new Machine('cli\nsti\nnop\nsti\nnop')
        m.cpu.rflags |= Flags.IF

        expect:
        m.cpu.step() == Step.OK
        (m.cpu.rflags & Flags.IF) == 0
        !m.cpu.interruptShadow()
        m.cpu.step() == Step.OK
        (m.cpu.rflags & Flags.IF) != 0
        m.cpu.interruptShadow()
        m.cpu.step() == Step.OK
        !m.cpu.interruptShadow()

        and: 'sti with IF already set opens no shadow (SDM: only when IF was 0)'
        m.cpu.step() == Step.OK
        !m.cpu.interruptShadow()
    }

    def "popf in kernel mode may change IF; at CPL 3 the IF bit is silently kept"() {
        given:
        def m = new Machine('push $0x2\npopfq\npush $0x202\npopfq', Memory.R | Memory.X, true)
        m.cpu.rflags = 0x202

        expect: 'kernel: IF cleared by popf, bit 1 kept set'
        m.run(2) == Step.OK
        m.cpu.rflags == 0x2

        when: 'user mode'
        m.cpu.cpl = 3
        m.cpu.rflags = 0x202
        m.cpu.rip = CODE
        m.run(2)

        then:
        m.cpu.rflags == 0x202
    }

    def "cli, sti and hlt at CPL 3 raise GP"() {
        given:
        def m = new Machine(insn, Memory.R | Memory.X, true)
        m.cpu.cpl = 3

        expect:
        m.cpu.step() == Step.GP
        m.cpu.rip == CODE

        where:
        insn << ['cli', 'sti', 'hlt']
    }

    def "pushfq pushes rflags, popfq restores the status flags"() {
        given:
        def m = new Machine('pushfq\npopq %rbx\npush $0x8d5\npopfq')
        m.cpu.rflags = 0x246

        expect:
        m.run(4) == Step.OK
        m.reg(RBX) == 0x246
        m.cpu.rflags == 0x8d7
    }

    def "GP on a non-canonical data address: nothing changes"() {
        given:
        def m = new Machine('movabs $0x0000800000000000, %rax\nmov (%rax), %rbx')
        m.cpu.gpr[RBX] = 42

        expect:
        m.cpu.step() == Step.OK
        m.cpu.step() == Step.GP
        m.cpu.rip == CODE + 10
        m.reg(RBX) == 42
        m.cpu.errorCode() == 0
    }

    def "GP on a jump to a non-canonical address, at the jump"() {
        given:
        def m = new Machine('movabs $0x0000800000000000, %rax\njmp *%rax')

        expect:
        m.cpu.step() == Step.OK
        m.cpu.step() == Step.GP
        m.cpu.rip == CODE + 10
    }

    def "GP when rip itself is non-canonical"() {
        given:
        def m = new Machine('nop')
        m.cpu.rip = 0x0000800000000000L

        expect:
        m.cpu.step() == Step.GP
        m.cpu.lastInstruction() == null
    }

    def "SS on a non-canonical stack"() {
        given:
        def m = new Machine('push %rax')
        m.cpu.gpr[RSP] = 0x0000800000000008L

        expect:
        m.cpu.step() == Step.SS
        m.reg(RSP) == 0x0000800000000008L
    }

    def "PF on an unmapped write leaves memory, flags, registers and rip unchanged"() {
        given:
        def m = new Machine('mov $0x12345000, %eax\nadd %rbx, (%rax)')
        m.cpu.rflags = 0x2
        m.cpu.gpr[RBX] = 1

        expect:
        m.cpu.step() == Step.OK
        m.cpu.step() == Step.PF
        m.cpu.rip == CODE + 5
        m.cpu.rflags == 0x2
        m.cpu.faultAddress() == 0x12345000L
        m.cpu.errorCode() == 2      // not present, W/R = 1 (a read-modify-write faults as a write: UserFaultSpec shows the host does), kernel, data
    }

    def "PF on a write to a read-only page: error code P|W, nothing written"() {
        given:
        def m = new Machine('mov %rbx, (%rax)')
        m.mem.map(0x700000, 0x1000, Memory.R)
        m.cpu.gpr[RAX] = 0x700ff8
        m.cpu.gpr[RBX] = -1

        expect:
        m.cpu.step() == Step.PF
        m.cpu.errorCode() == 3
        m.cpu.faultAddress() == 0x700ff8
        m.mem.read64(0x700ff8) == 0
        m.cpu.rip == CODE
    }

    def "PF with U set at CPL 3 and I/D set on a fetch"() {
        given:
        def m = new Machine('jmp *%rax', Memory.R | Memory.X, true)
        m.mem.map(0x700000, 0x1000, Memory.R | Memory.W | Memory.U)
        m.cpu.gpr[RAX] = 0x700000
        m.cpu.cpl = 3

        expect:
        m.cpu.step() == Step.OK
        m.cpu.step() == Step.PF
        m.cpu.rip == 0x700000
        m.cpu.faultAddress() == 0x700000
        m.cpu.errorCode() == (1 | 4 | 16)
    }

    def "a fetch running into an unmapped page faults at the first missing byte"() {
        given: 'the first byte of a 10-byte movabs on the last byte of the code page'
        def m = new Machine('nop')
        long at = CODE + 0xfff
        m.mem.map(CODE, 0x1000, Memory.R | Memory.X)
        m.mem.poke(at, [0x48] as byte[])
        m.cpu.rip = at

        expect:
        m.cpu.step() == Step.PF
        m.cpu.faultAddress() == CODE + 0x1000
        (m.cpu.errorCode() & 16) != 0
        m.cpu.rip == at
    }

    def "a push onto a full stack faults with rsp unchanged; a call too, with rip unchanged"() {
        given:
        def m = new Machine('push %rax\ncall 1f\n1: nop')
        m.cpu.gpr[RSP] = STACK_TOP - 0x4000

        expect:
        m.cpu.step() == Step.PF
        m.reg(RSP) == STACK_TOP - 0x4000
        m.cpu.faultAddress() == STACK_TOP - 0x4008
        m.cpu.errorCode() == 2

        when:
        m.cpu.rip = CODE + 1

        then:
        m.cpu.step() == Step.PF
        m.cpu.rip == CODE + 1
        m.reg(RSP) == STACK_TOP - 0x4000
    }

    def "push, pop, call and ret move rsp and rip as the SDM says"() {
        given:
        def m = new Machine('''
            push $-2
            pushq $0x1234
            pop %rbx
            pop %rcx
            call f
            hlt
        f:  push %rbp
            mov %rsp, %rbp
            mov 8(%rbp), %rdx
            leave
            ret $0
        ''')

        expect:
        m.cpu.step() == Step.OK
        m.reg(RSP) == STACK_TOP - 8
        m.mem.read64(STACK_TOP - 8) == -2L
        m.cpu.step() == Step.OK
        m.cpu.step() == Step.OK
        m.reg(RBX) == 0x1234
        m.cpu.step() == Step.OK
        m.reg(RCX) == -2L
        m.reg(RSP) == STACK_TOP

        when:
        m.cpu.step()                       // call

        then:
        m.reg(RSP) == STACK_TOP - 8
        m.mem.read64(STACK_TOP - 8) == CODE + 14   // return address: the hlt
        m.cpu.lastCycles() == CycleCosts.CALL

        when:
        int r = m.run()

        then:
        r == Step.HALT
        m.reg(RDX) == CODE + 14
        m.reg(RSP) == STACK_TOP
        m.cpu.rip == CODE + 15
    }

    def "ret imm16 releases the arguments"() {
        given:
        def m = new Machine('push $1\npush $2\ncall f\nhlt\nf: ret $16')

        expect:
        m.run() == Step.HALT
        m.reg(RSP) == STACK_TOP
    }

    def "pop into memory addressed by rsp uses rsp after the pop; pop %rsp loads the popped value"() {
        given:
        def m = new Machine('push $0x55\npush $0x66\npopq 0(%rsp)\npush $0x1000\npop %rsp')

        expect:
        m.run(3) == Step.OK
        m.reg(RSP) == STACK_TOP - 8
        m.mem.read64(STACK_TOP - 8) == 0x66
        m.run(2) == Step.OK
        m.reg(RSP) == 0x1000
    }

    def "UD names the instruction it refused; ud2 too; rip stays"() {
        given:
        def m = new Machine(insn)

        expect:
        m.cpu.step() == Step.UD
        m.cpu.rip == CODE
        m.cpu.lastInstruction().mnemonic() == mnemonic
        m.cpu.lastInstruction().address() == CODE
        m.cpu.lastInstruction().bytes() == m.code

        where:
        insn                       | mnemonic
        'ud2'                      | Mnemonic.UD2
        'rdmsr'                    | Mnemonic.RDMSR
        'mov %rax, %cr3'           | Mnemonic.MOV
    }

    def "bytes that do not decode give UD with the decode error"() {
        given:
        def m = new Machine('nop')
        m.mem.poke(CODE, [0x06] as byte[])             // push %es: invalid in 64-bit mode

        expect:
        m.cpu.step() == Step.UD
        m.cpu.lastInstruction() == null
        m.cpu.lastDecodeError() != null
    }

    def "save and load move the whole architectural state"() {
        given:
        def m = new Machine('mov $3, %eax\nhlt')
        m.cpu.gpr[15] = 99
        CpuState s = m.cpu.save()

        when:
        m.run()
        m.cpu.gpr[15] = 0
        m.cpu.load(s)

        then:
        m.cpu.rip == CODE
        m.reg(RAX) == 0
        m.reg(15) == 99
        s.gpr(15) == 99
    }

    def "an iretq unblocks NMIs; so does one that faults (SDM vol. 3, 6.7.1); other instructions leave the blocking"() {
        given: 'an interrupt frame built by the code, returning to #target'
        def m = new Machine("""
            mov %rsp, %rax
            push \$0x18
            push %rax
            pushfq
            push \$0x10
            ${target}
            push %rcx
            nop
            iretq
        ok: nop
        """)
        m.cpu.nmiBlocked = true

        when: 'the eight instructions before the iretq'
        8.times { assert m.cpu.step() == Step.OK }

        then:
        m.cpu.nmiBlocked

        when:
        int r = m.cpu.step()

        then:
        r == result
        !m.cpu.nmiBlocked

        where:
        target                                   | result
        'lea ok(%rip), %rcx'                     | Step.OK
        'movabs $0x0000800000000000, %rcx'       | Step.GP
    }
}
