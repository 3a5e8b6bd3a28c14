package io.probesim.x86.cpu

import spock.lang.Specification

import static io.probesim.x86.cpu.Cpu.*
import static io.probesim.x86.cpu.Machine.*

/** Data movement, addressing, branches: results fixed by the SDM, code assembled by GNU as. */
class CpuSpec extends Specification {

    def "mov forms: imm64, sign-extended imm32, zero-extending 32-bit writes, merging 8/16-bit writes, high bytes"() {
        given:
        def m = new Machine('''
            movabs $0x1122334455667788, %rax
            mov $-1, %rbx
            mov $-1, %ecx
            mov %rax, %rdx
            mov $0xab, %dl
            mov $0xcdef, %dx
            mov %rax, %rsi
            mov $0x99, %ah
            mov %ah, %bl
            mov %eax, %edi
            mov $0x7f, %sil
            hlt
        ''')
        m.cpu.gpr[RCX] = 0x5555555555555555L

        expect:
        m.run() == Step.HALT
        m.reg(RAX) == 0x112233445566_9988L
        m.reg(RBX) == 0xffffffffffffff99L
        m.reg(RCX) == 0xffffffffL
        m.reg(RDX) == 0x112233445566cdefL
        m.reg(RSI) == 0x112233445566777fL
        m.reg(RDI) == 0x55669988L
    }

    def "mov to and from memory: absolute moffs, rip-relative, base+index*scale+disp, gs override"() {
        given:
        def m = new Machine('''
            movabs $0x600010, %rax
            movq $0x1234, (%rax)
            movabs 0x600010, %rax
            lea data(%rip), %rbx
            mov (%rbx), %rcx
            jmp 1f
        data: .quad 0xdeadbeefcafef00d
        1:  mov $2, %esi
            mov $0x600000, %edi
            movl $0x77, 0x10(%rdi,%rsi,4)
            mov 0x18(%rdi), %r8
            mov %gs:0x20, %r9
            hlt
        ''')
        m.mem.write64(DATA + 0x1020, 0x4242)
        m.cpu.gsBase = DATA + 0x1000

        expect:
        m.run() == Step.HALT
        m.reg(RAX) == 0x1234
        m.reg(RCX) == 0xdeadbeefcafef00dL
        m.mem.read32(DATA + 0x18) == 0x77
        m.reg(8) == 0x77
        m.reg(9) == 0x4242
    }

    def "lea computes without touching memory, 32-bit lea truncates"() {
        given:
        def m = new Machine('lea -8(%rax,%rbx,8), %rcx\nlea 1(%rax), %edx\nhlt')
        m.cpu.gpr[RAX] = 0xffffffff00000000L
        m.cpu.gpr[RBX] = 2

        expect:
        m.run() == Step.HALT
        m.reg(RCX) == 0xffffffff00000008L
        m.reg(RDX) == 1
    }

    def "xchg, cltq, cqto, cwtl, cltd"() {
        given:
        def m = new Machine('''
            xchg %rax, %rbx
            xchg %ecx, (%rsp)
            cltq
            mov $-5, %edx
            mov %edx, %eax
            cqto
            mov $0x8000, %eax
            cwtl
            cltd
            hlt
        ''')
        m.cpu.gpr[RAX] = 1
        m.cpu.gpr[RBX] = 0x80000000L
        m.cpu.gpr[RCX] = 7
        m.cpu.gpr[RSP] -= 8
        m.mem.write64(STACK_TOP - 8, 0x1111)

        expect:
        m.run() == Step.HALT
        m.reg(RBX) == 1
        m.reg(RCX) == 0x1111
        m.mem.read64(STACK_TOP - 8) == 7
        m.reg(RAX) == 0xffff8000L
        m.reg(RDX) == 0xffffffffL
    }

    def "jcc takes exactly the branches the SDM conditions say, for every flag combination"() {
        given: 'one jcc per condition, each jumping over a mov $1'
        List<String> names = ['jo', 'jno', 'jb', 'jae', 'je', 'jne', 'jbe', 'ja', 'js', 'jns', 'jp', 'jnp', 'jl', 'jge', 'jle', 'jg']
        List<String> bad = []

        when:
        names.eachWithIndex { String jcc, int cc ->
            [false, true].each { boolean near ->
                def m = new Machine("${jcc} ${near ? '.+0x80' : '1f'}\nmov \$1, %eax\n1: hlt\n.fill 0x80, 1, 0xf4")
                (0..<32).each { int bits ->
                    boolean cf = bits & 1, zf = bits & 2, sf = bits & 4, of = bits & 8, pf = bits & 16
                    boolean expected = [of, !of, cf, !cf, zf, !zf, cf || zf, !cf && !zf, sf, !sf, pf, !pf,
                                        sf != of, sf == of, zf || sf != of, !zf && sf == of][cc]
                    m.cpu.rip = CODE
                    m.cpu.rflags = 2 | (cf ? Flags.CF : 0) | (zf ? Flags.ZF : 0) | (sf ? Flags.SF : 0) | (of ? Flags.OF : 0) | (pf ? Flags.PF : 0)
                    m.cpu.step()
                    boolean taken = m.cpu.rip != CODE + m.cpu.lastInstruction().length()
                    if (taken != expected) bad << "$jcc near=$near flags=${Long.toHexString(m.cpu.rflags)}"
                    if (m.cpu.lastCycles() != (taken ? CycleCosts.BRANCH_TAKEN : CycleCosts.BRANCH_NOT_TAKEN)) bad << "$jcc cycles"
                }
            }
        }

        then:
        bad == []
    }

    def "inc and dec keep CF; not changes no flags; memory operands"() {
        given:
        def m = new Machine('incq (%rsp)\ndecb 1(%rsp)\nnotl (%rsp)\nhlt')
        m.cpu.gpr[RSP] -= 8
        m.mem.write64(STACK_TOP - 8, 0xff)
        m.cpu.rflags = 2 | Flags.CF

        expect:
        m.run() == Step.HALT
        m.mem.read64(STACK_TOP - 8) == 0xffffffffL        // 0xff +1 = 0x100, byte 1 -1 = 0, not of the low dword
        (m.cpu.rflags & Flags.CF) != 0
    }

    def "cycles: a load adds LOAD, a read-modify-write adds LOAD and STORE"() {
        given:
        def m = new Machine('add %rax, %rbx\nmov (%rsp), %rax\nadd %rax, (%rsp)\npushfq\npopfq\nhlt')
        m.cpu.gpr[RSP] -= 8

        expect:
        m.cpu.step() == Step.OK
        m.cpu.lastCycles() == CycleCosts.ALU
        m.cpu.step() == Step.OK
        m.cpu.lastCycles() == CycleCosts.ALU + CycleCosts.LOAD
        m.cpu.step() == Step.OK
        m.cpu.lastCycles() == CycleCosts.ALU + CycleCosts.LOAD + CycleCosts.STORE
        m.cpu.step() == Step.OK
        m.cpu.lastCycles() == CycleCosts.PUSHF
        m.cpu.step() == Step.OK
        m.cpu.lastCycles() == CycleCosts.POPF
    }

    def "nop forms and endbr64 execute as no-ops"() {
        given:
        def m = new Machine('nop\nxchg %ax, %ax\nnopl 0(%rax)\nnopw 0(%rax,%rax,1)\nendbr64\nhlt')
        m.cpu.gpr[RAX] = 0x1234567812345678L

        expect:
        m.run() == Step.HALT
        m.reg(RAX) == 0x1234567812345678L
    }

    def "divide by zero and quotient overflow raise DE with nothing changed; div, idiv, mul, imul results"() {
        given:
        def m = new Machine('div %rcx')
        m.cpu.gpr[RAX] = 100
        m.cpu.gpr[RDX] = dx
        m.cpu.gpr[RCX] = divisor

        expect:
        m.cpu.step() == Step.DE
        m.cpu.rip == CODE
        m.reg(RAX) == 100

        where:
        dx | divisor
        0  | 0
        5  | 5
    }

    def "arithmetic beyond add: mul, imul, div, idiv, movzx, movsx, setcc, cmov, xadd, cmpxchg, syscall"() {
        given:
        def m = new Machine('''
            mov $-3, %rax
            mov $7, %ecx
            imul %rcx, %rax
            mov %rax, %r8
            mov $-1, %rax
            mov $2, %ecx
            mul %rcx
            mov %rdx, %r9
            mov $-7, %rax
            cqto
            mov $2, %ecx
            idiv %rcx
            mov %rdx, %r10
            mov %rax, %r11
            movzbl %cl, %ebx
            movsbq %sil, %rsi
            cmp $2, %ecx
            sete %bh
            cmovne %ecx, %edi
            xadd %ecx, %ebx
            mov $5, %eax
            mov $5, %edx
            cmpxchg %ecx, %edx
            syscall
        ''')
        m.cpu.gpr[RSI] = 0x80
        m.cpu.gpr[RDI] = 0xffffffff00000009L

        when:
        int r = m.run()

        then:
        r == Step.SYSCALL
        m.reg(8) == -21L
        m.reg(9) == 1              // 0xffff...ff * 2: high part 1
        m.reg(10) == -1L           // -7 / 2: quotient -3, remainder -1
        m.reg(RSI) == -128L
        m.reg(RDI) == 9            // cmovne not taken, 32-bit destination still zero-extended
        m.reg(RBX) == 0x102 + 2    // bh = 1 after sete, then xadd adds ecx (2)
        m.reg(RCX) == m.cpu.rip    // syscall: rcx = return rip
        m.reg(RDX) == 0x102        // cmpxchg: eax == edx, so edx = ecx (ecx held the old ebx)
    }
}
