package io.probesim.x86.cpu

import io.probesim.x86.mem.Memory
import spock.lang.Specification
import spock.lang.Unroll

import static io.probesim.x86.cpu.Cpu.*
import static io.probesim.x86.cpu.Machine.*

/**
 * Faults and fixed behaviour of the instructions MoreInstructionsSpec compares with the host: the
 * divide error (#DE) is a precise fault, a repeated string instruction faults between iterations
 * with the architectural progress kept, cpuid returns the documented values, fences cost their cycles.
 */
class MoreTrapSpec extends Specification {

    @Unroll
    def "#insn with #why is a precise divide error: nothing changes, rip stays"() {
        given:
        def m = new Machine(insn)
        m.cpu.gpr[RAX] = rax
        m.cpu.gpr[RDX] = rdx
        m.cpu.gpr[RBX] = rbx
        m.cpu.rflags = 0x2c3L
        long[] before = m.cpu.gpr.clone()
        m.mem.store(DATA, 8, rbx)

        when:
        int r = m.cpu.step()

        then:
        r == Step.DE
        m.cpu.rip == CODE
        m.cpu.gpr == before
        m.cpu.rflags == 0x2c3L

        where:
        insn                     | rax                   | rdx                  | rbx   | why
        'divb %bl'               | 5                     | 0                    | 0     | 'a zero divisor'
        'divw %bx'               | 5                     | 0                    | 0     | 'a zero divisor'
        'divl %ebx'              | 5                     | 0                    | 0     | 'a zero divisor'
        'divq %rbx'              | 5                     | 0                    | 0     | 'a zero divisor'
        'idivq %rbx'             | 5                     | 0                    | 0     | 'a zero divisor'
        'divq 0x600000'          | 5                     | 0                    | 0     | 'a zero divisor in memory'
        'divb %bl'               | 0x0200                | 0                    | 2     | 'a quotient over 8 bits'
        'divw %bx'               | 0                     | 2                    | 2     | 'a quotient over 16 bits'
        'divl %ebx'              | 0                     | 7                    | 7     | 'rdx equal to the divisor'
        'divq %rbx'              | 0                     | 1                    | 1     | 'a quotient over 64 bits'
        'idivb %bl'              | 0x8000                | 0                    | 0xff  | '-32768 / -1'
        'idivw %bx'              | 0                     | 0x8000               | 0xffff | 'INT32_MIN / -1'
        'idivl %ebx'             | 0x80000000L           | 0xffffffffL          | 0xffffffffL | '-2^31 / -1'
        'idivq %rbx'             | Long.MIN_VALUE        | -1L                  | -1L   | 'INT64_MIN / -1'
        'idivq %rbx'             | 0                     | 1                    | 2     | 'a positive quotient of 2^63'
        'idivl %ebx'             | 0                     | 0xffffffffL          | 1     | 'a negative quotient below -2^31'
    }

    def "rep movsb faulting on its source stops between iterations: the done part stays, rip at the instruction"() {
        given: 'a copy of 16 bytes whose source runs off the data mapping after 4 bytes'
        def m = new Machine('rep movsb\nnop')
        m.cpu.gpr[RSI] = DATA + 0x2000 - 4
        m.cpu.gpr[RDI] = DATA
        m.cpu.gpr[RCX] = 16
        m.mem.store(DATA + 0x2000 - 4, 4, 0x44332211L)

        when:
        int r = m.run(100)

        then:
        r == Step.PF
        m.cpu.faultAddress() == DATA + 0x2000
        m.cpu.rip == CODE
        m.reg(RCX) == 12
        m.reg(RSI) == DATA + 0x2000
        m.reg(RDI) == DATA + 4
        m.mem.load(DATA, 4) == 0x44332211L
    }

    def "rep stosq with rcx = 0 touches no memory and completes"() {
        given:
        def m = new Machine('rep stosq\nnop')
        m.cpu.gpr[RDI] = 0x1000      // unmapped: would fault if written
        m.cpu.gpr[RCX] = 0

        expect:
        m.cpu.step() == Step.OK
        m.cpu.rip == CODE + 3
        m.reg(RDI) == 0x1000
    }

    def "a repeated string instruction single-steps per iteration (TF traps with rip at the instruction)"() {
        given:
        def m = new Machine('rep stosb\nnop')
        m.cpu.gpr[RDI] = DATA
        m.cpu.gpr[RCX] = 3
        m.cpu.gpr[RAX] = 0x5a
        m.cpu.rflags |= Flags.TF

        expect:
        m.cpu.step() == Step.DB
        m.cpu.rip == CODE
        m.reg(RCX) == 2
        m.cpu.step() == Step.DB
        m.cpu.step() == Step.DB
        m.cpu.rip == CODE + 2
        m.reg(RCX) == 0
        m.mem.load(DATA, 4) == 0x5a5a5aL
    }

    def "cpuid returns the documented identification and is charged as serializing"() {
        given:
        def m = new Machine('cpuid\ncpuid\ncpuid\ncpuid')

        when: 'leaf 0'
        m.cpu.gpr[RAX] = 0xffffffff00000000L
        m.cpu.gpr[RCX] = -1L
        m.cpu.step()

        then:
        m.reg(RAX) == 1
        [m.reg(RBX), m.reg(RDX), m.reg(RCX)].collect { long v -> (0..3).collect { (char) ((v >> (8 * it)) & 0xff) }.join() }.join() == 'GenuineIntel'
        m.cpu.lastCycles() == CycleCosts.SERIALIZING

        when: 'leaf 1'
        m.cpu.gpr[RAX] = 1
        m.cpu.step()

        then:
        m.reg(RAX) == 0x1067aL
        (m.reg(RBX) >> 8 & 0xff) == 8           // clflush line size 64
        (m.reg(RDX) & (1L << 25)) != 0          // SSE
        (m.reg(RCX) & (1L << 19)) != 0          // SSE4.1

        when: 'the extended leaf: long mode and syscall'
        m.cpu.gpr[RAX] = 0x80000001L
        m.cpu.step()

        then:
        m.reg(RDX) == ((1L << 11) | (1L << 20) | (1L << 29))

        when: 'an unknown leaf'
        m.cpu.gpr[RAX] = 0x40000000L
        m.cpu.gpr[RBX] = -1L
        m.cpu.step()

        then:
        [m.reg(RAX), m.reg(RBX), m.reg(RCX), m.reg(RDX)] == [0L, 0L, 0L, 0L]
    }

    @Unroll
    def "#insn executes as a no-op costing #cost cycles"() {
        given:
        def m = new Machine(insn)
        m.cpu.gpr[RAX] = 7
        m.cpu.rflags = 0x2d7L

        expect:
        m.cpu.step() == Step.OK
        m.cpu.rip == CODE + m.code.length
        m.cpu.lastCycles() == cost
        m.reg(RAX) == 7
        m.cpu.rflags == 0x2d7L

        where:
        insn     | cost
        'lfence' | CycleCosts.LFENCE
        'mfence' | CycleCosts.MFENCE
        'sfence' | CycleCosts.SFENCE
        'pause'  | CycleCosts.PAUSE
    }

    def "the bit-string form of bts reaches below the operand address (negative offset)"() {
        given:
        def m = new Machine('btsl %ebx, 0x600100')
        m.cpu.gpr[RBX] = -33L            // bit 31 of the dword at 0x600100 - 8

        expect:
        m.cpu.step() == Step.OK
        m.mem.load(DATA + 0x100 - 8, 4) == 0x80000000L
        (m.cpu.rflags & Flags.CF) == 0
    }

    def "bt on a write-protected page reads; bts there faults precisely"() {
        given:
        def m = new Machine('btl $3, 0x600000\nbtsl $3, 0x600000')
        m.mem.store(DATA, 4, 8)
        m.mem.protect(DATA, 0x1000, Memory.R)

        expect:
        m.cpu.step() == Step.OK
        (m.cpu.rflags & Flags.CF) != 0
        m.cpu.step() == Step.PF
        m.cpu.rip == CODE + 9
        (m.cpu.errorCode() & 2) != 0
    }
}
