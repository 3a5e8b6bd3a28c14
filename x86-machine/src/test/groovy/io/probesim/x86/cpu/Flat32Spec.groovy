package io.probesim.x86.cpu

import io.probesim.x86.decode.Mode
import io.probesim.x86.mem.Memory
import spock.lang.Specification
import spock.lang.Unroll

import static io.probesim.x86.cpu.Cpu.*

/**
 * 32-bit protected flat mode at the Cpu level, for what the host-CPU sequence test (SequenceSpec)
 * cannot reach from a user process: privilege changes (iretd), addresses that wrap at 4 GiB into
 * page 0 or run off the top, eip wrapping, and the 16-bit moffs form. Expected values follow the
 * Intel SDM (Vol. 1 3.3.7, 6.2-6.3, Vol. 2 IRET/CALL/RET/MOV/STOS, Vol. 3 5.3): a 32-bit address
 * (and eip, esp) is computed modulo 2^32 in flat mode. Code is GNU as's encoding (--32).
 */
class Flat32Spec extends Specification {
    static final long CODE = 0xc1000000L          // where a 32-bit kernel's text lives
    static final long STACK_TOP = 0xc2000000L

    /** A 32-bit test machine: code (R|X) at `at`, a stack (R|W) below STACK_TOP. */
    static class M32 {
        final Memory mem = new Memory()
        final Cpu cpu = new Cpu(mem, Mode.BITS32)
        final byte[] code

        M32(String att, long at = CODE) {
            code = GnuAs.assemble(att, false)
            mem.map(at & ~0xfffL, 0x2000, Memory.R | Memory.X | Memory.U)
            mem.poke(at, code)
            mem.map(STACK_TOP - 0x4000, 0x4000, Memory.R | Memory.W | Memory.U)
            cpu.rip = at
            cpu.gpr[RSP] = STACK_TOP
            cpu.cs = 0x60                             // __KERNEL_CS of i386 Linux
            cpu.ss = 0x68
        }

        int run(int n = 1000) {
            for (int i = 0; i < n; i++) {
                int r = cpu.step()
                if (r != Step.OK) return r
            }
            Step.OK
        }

        long reg(int r) { cpu.gpr[r] }
    }

    def "call, ret and ret imm16 move esp by 4-byte slots and push the 32-bit return address"() {
        given:
        def m = new M32('''
            push $7
            push $9
            call f
            hlt
        f:  mov 4(%esp), %eax
            ret $8
        ''')

        when: 'up to the first instruction of f'
        m.run(3)

        then:
        m.reg(RSP) == STACK_TOP - 12
        m.mem.read32(STACK_TOP - 12) == (int) (CODE + 9)       // push $7 (2) + push $9 (2) + call (5)
        m.mem.read32(STACK_TOP - 8) == 9
        m.cpu.rip == CODE + 10

        when:
        int r = m.run()

        then: 'ret $8 popped the return address and both arguments'
        r == Step.HALT
        m.reg(RAX) == 9
        m.reg(RSP) == STACK_TOP
        m.cpu.rip == CODE + 10
    }

    def "a 16-bit call and ret (66 prefix) push and pop IP in 2 bytes and keep EIP below 64 KiB"() {
        given: 'code below 64 KiB (a 16-bit call truncates EIP to 16 bits)'
        def m = new M32('''
            callw f
            hlt
        f:  movl (%esp), %eax
            retw $2
        ''', 0x1000)
        m.mem.map(0x7000, 0x2000, Memory.R | Memory.W | Memory.U)
        m.cpu.gpr[RSP] = 0x8000
        m.mem.write32(0x7ffc, 0x5a5a5a5a)
        m.mem.write32(0x8000, 0x7766)

        when:
        m.cpu.step()

        then: 'IP of the hlt (0x1000 + 4) in the 2 bytes below esp'
        m.reg(RSP) == 0x7ffe
        m.mem.read16(0x7ffe) == 0x1004
        m.cpu.rip == 0x1005

        when:
        int r = m.run()

        then: 'retw $2 popped 2 bytes and 2 more'
        r == Step.HALT
        m.reg(RAX) == 0x77661004L
        m.reg(RSP) == 0x8002
        m.cpu.rip == 0x1005
    }

    @Unroll
    def "push and pop of a segment register are refused (selectors are not modelled), #bits-bit: #insn"() {
        given:
        def mem = new Memory()
        mem.map(0x1000, 0x1000, Memory.R | Memory.X | Memory.U)
        mem.map(0x7000, 0x1000, Memory.R | Memory.W | Memory.U)
        mem.poke(0x1000, GnuAs.assemble(insn, bits == 64))
        def cpu = new Cpu(mem, bits == 64 ? Mode.BITS64 : Mode.BITS32)
        cpu.rip = 0x1000
        cpu.gpr[RSP] = 0x7800

        expect:
        cpu.step() == Step.UD
        cpu.rip == 0x1000
        cpu.gpr[RSP] == 0x7800

        where:
        bits | insn
        32   | 'push %ds'
        32   | 'push %cs'
        32   | 'pop %es'
        32   | 'push %gs'
        64   | 'push %fs'
        64   | 'pop %gs'
    }

    def "int3 is a trap: BP with eip after it"() {
        given:
        def m = new M32('nop\nint3\nmov $7, %eax')

        expect:
        m.cpu.step() == Step.OK
        m.cpu.step() == Step.BP
        m.cpu.rip == CODE + 2
        m.cpu.step() == Step.OK
        m.reg(RAX) == 7
    }

    def "iretd to the same privilege pops eip, cs and eflags only (12 bytes)"() {
        given: 'a frame built by the code: eflags with CF and IF, the kernel cs, the target'
        def m = new M32('''
            pushl $0x203
            pushl $0x60
            call 1f
        1:  addl $(2f - 1b), (%esp)
            iret
        2:  mov $5, %edx
            hlt
        ''')
        m.cpu.gpr[RBP] = 0x1234

        when:
        int r = m.run()

        then:
        r == Step.HALT
        m.reg(RDX) == 5
        m.reg(RSP) == STACK_TOP
        m.cpu.rflags == 0x203
        m.cpu.cs == 0x60
        m.cpu.ss == 0x68
        m.cpu.cpl == 0
    }

    def "iretd to CPL 3 also pops esp and ss; eflags IF and IOPL are written at CPL 0"() {
        given: 'the user stack at 0x80000000, user selectors 0x73 and 0x7b (RPL 3)'
        def m = new M32('''
            pushl $0x7b
            pushl $0x80000000
            pushl $0x3202
            pushl $0x73
            pushl $0x40000000
            iret
        ''')
        m.mem.map(0x40000000L, 0x1000, Memory.R | Memory.X | Memory.U)
        m.mem.poke(0x40000000L, GnuAs.assemble('mov $1, %eax\nhlt', false))

        when:
        int r = m.run(6)

        then:
        r == Step.OK
        m.cpu.rip == 0x40000000L
        m.reg(RSP) == 0x80000000L
        m.cpu.cs == 0x73
        m.cpu.ss == 0x7b
        m.cpu.cpl == 3
        m.cpu.rflags == 0x3202

        when: 'hlt at CPL 3 is privileged'
        r = m.run()

        then:
        r == Step.GP
        m.reg(RAX) == 1
    }

    def "iretd at CPL 3 keeps IF and IOPL and refuses to raise the privilege"() {
        given:
        def m = new M32('''
            pushl $0x3003
            pushl $0x73
            call 1f
        1:  addl $(2f - 1b), (%esp)
            iret
        2:  nop
            pushl $0x202
            pushl $0x60
            pushl $0
            iret
        ''', 0x40000000L)
        m.mem.map(0x7fff0000L, 0x10000, Memory.R | Memory.W | Memory.U)
        m.cpu.gpr[RSP] = 0x80000000L - 0x100
        m.cpu.cpl = 3
        m.cpu.cs = 0x73
        m.cpu.ss = 0x7b
        m.cpu.rflags = 0x202

        when: 'the first iretd, to the same privilege'
        int r = m.run(5)

        then: 'CF taken from the image; IF stays set and IOPL stays 0 at CPL 3'
        r == Step.OK
        m.cpu.rflags == 0x203
        m.reg(RSP) == 0x80000000L - 0x100

        when: 'an iretd to cs 0x60 (RPL 0) from CPL 3'
        m.run(4)
        r = m.cpu.step()

        then:
        r == Step.GP
        m.cpu.cpl == 3
    }

    def "esp wraps at 4 GiB: a push at esp 0 writes the top of the address space"() {
        given:
        def m = new M32('pushl $0x11223344\npopl %ebx\npopl %ecx')
        m.mem.map(0xfffff000L, 0x1000, Memory.R | Memory.W | Memory.U)
        m.mem.map(0, 0x1000, Memory.R | Memory.W | Memory.U)
        m.mem.write32(0, 0x55667788)
        m.cpu.gpr[RSP] = 0

        expect:
        m.cpu.step() == Step.OK
        m.reg(RSP) == 0xfffffffcL
        m.mem.read32(0xfffffffcL) == 0x11223344
        m.cpu.step() == Step.OK
        m.reg(RBX) == 0x11223344
        m.reg(RSP) == 0

        and: 'and back up through 4 GiB'
        m.cpu.step() == Step.OK
        m.reg(RCX) == 0x55667788
        m.reg(RSP) == 4
    }

    @Unroll
    def "a data address wraps at 4 GiB: #insn"() {
        given:
        def m = new M32(insn)
        m.mem.map(0, 0x1000, Memory.R | Memory.W | Memory.U)
        m.mem.write32(0x10, 0xcafe)
        m.cpu.gpr[RAX] = eax
        m.cpu.gpr[RSI] = esi
        m.cpu.fsBase = fs

        expect:
        m.cpu.step() == Step.OK
        m.reg(RBX) == 0xcafe

        where:
        insn                            | eax          | esi         | fs
        'mov 0x20(%eax), %ebx'          | 0xfffffff0L  | 0           | 0
        'mov -0x10(%eax,%esi,4), %ebx'  | 0x30L        | 0x3ffffffcL | 0
        'mov 0xfffffff0(%eax), %ebx'    | 0x20L        | 0           | 0
        'mov %fs:0x30(%eax), %ebx'      | 0            | 0           | 0xffffffe0L
        'mov 0x10(%eax,%esi,8), %ebx'   | 0            | 0x20000000L | 0
    }

    def "lea computes modulo 2^32; the upper half of a register stays zero"() {
        given:
        def m = new M32('lea 0x20(%eax,%esi,2), %ebx\nleaw 0x20(%eax), %cx')
        m.cpu.gpr[RAX] = 0xfffffff0L
        m.cpu.gpr[RSI] = 0x80000000L
        m.cpu.gpr[RCX] = 0x12345678L

        expect:
        m.run(2) == Step.OK
        m.reg(RBX) == 0x10
        m.reg(RCX) == 0x12340010L
    }

    def "a relative jump and a call wrap eip at 4 GiB"() {
        given: 'code on page 0 jumping back to the top page, which calls forward into page 0'
        def m = new M32('jmp .-0x1000', 0x10)
        m.mem.map(0xfffff000L, 0x1000, Memory.R | Memory.X | Memory.U)
        byte[] top = GnuAs.assemble('call .+0x1020', false)
        m.mem.poke(0xfffff010L, top)
        m.mem.poke(0x30, [0xf4] as byte[])                 // hlt

        expect:
        m.cpu.step() == Step.OK
        m.cpu.rip == 0xfffff010L
        m.cpu.step() == Step.OK
        m.cpu.rip == 0x30
        m.mem.read32(STACK_TOP - 4) == (int) 0xfffff015L
        m.cpu.step() == Step.HALT
    }

    def "rep stos wraps edi at 4 GiB"() {
        given:
        def m = new M32('rep stosb')
        m.mem.map(0xfffff000L, 0x1000, Memory.R | Memory.W | Memory.U)
        m.mem.map(0, 0x1000, Memory.R | Memory.W | Memory.U)
        m.cpu.gpr[RDI] = 0xfffffffeL
        m.cpu.gpr[RCX] = 4
        m.cpu.gpr[RAX] = 0xab

        when:
        int r = m.run(4)

        then:
        r == Step.OK
        m.cpu.rip == CODE + 2
        m.reg(RDI) == 2
        m.reg(RCX) == 0
        m.mem.read(0xfffffffeL, 2) == [0xab, 0xab] as byte[]
        m.mem.read(0, 2) == [0xab, 0xab] as byte[]
    }

    @Unroll
    def "moffs: #insn"() {
        given:
        def m = new M32(insn)
        m.mem.map(0, 0x1000, Memory.R | Memory.W | Memory.U)
        m.mem.map(0x12345000L, 0x1000, Memory.R | Memory.W | Memory.U)
        m.mem.write32(0x234, 0x11111111)
        m.mem.write32(0x12345678L, 0x22222222)
        m.cpu.gpr[RAX] = 0xc3c2c1c0L

        expect:
        m.cpu.step() == Step.OK
        m.code.length == length
        m.reg(RAX) == eax
        m.mem.read32(at) == (int) stored

        where: 'a0/a1 load, a2/a3 store; 67 makes the offset 16 bits wide'
        insn                              | length | eax          | at          | stored
        'mov 0x12345678, %eax'            | 5      | 0x22222222L  | 0x12345678L | 0x22222222L
        'mov 0x12345678, %al'             | 5      | 0xc3c2c122L  | 0x12345678L | 0x22222222L
        'mov %ax, 0x12345678'             | 6      | 0xc3c2c1c0L  | 0x12345678L | 0x2222c1c0L
        'mov %eax, 0x12345678'            | 5      | 0xc3c2c1c0L  | 0x12345678L | 0xc3c2c1c0L
        'addr16 mov 0x234, %eax'          | 4      | 0x11111111L  | 0x234       | 0x11111111L
        'addr16 mov %al, 0x234'           | 4      | 0xc3c2c1c0L  | 0x234       | 0x111111c0L
    }

    @Unroll
    def "64-bit-only instructions are refused in 32-bit mode (SDM: invalid opcode): #insn"() {
        given:
        def m = new M32(insn)

        expect:
        m.cpu.step() == Step.UD
        m.cpu.rip == CODE

        where:
        insn << ['syscall', '.byte 0x0f, 0x01, 0xf8 # swapgs']
    }

    def "0x40-0x4f are inc and dec, not REX prefixes"() {
        given:
        def m = new M32('.byte 0x40, 0x4b, 0x41')
        m.cpu.gpr[RAX] = 0xffffffffL
        m.cpu.gpr[RBX] = 0
        m.cpu.rflags = 0x2 | Flags.CF

        expect:
        m.run(3) == Step.OK
        m.reg(RAX) == 0
        m.reg(RBX) == 0xffffffffL
        m.reg(RCX) == 1
        m.cpu.rflags & Flags.CF                            // inc and dec keep CF
    }
}
