package io.probesim.x86.cpu

import io.probesim.x86.decode.Mode
import io.probesim.x86.mem.Memory
import spock.lang.Specification

import static io.probesim.x86.cpu.Cpu.*
import static io.probesim.x86.cpu.Machine.*

/** The decoded-instruction cache stays exact under self- and cross-modifying code. */
class DecodeCacheSpec extends Specification {

    def "an instruction executed again is not decoded again"() {
        given:
        def m = new Machine('inc %eax\njmp -4')        // a two-instruction loop (jmp back to the inc)
        m.mem.poke(CODE + 2, [0xeb, 0xfc] as byte[])

        when:
        m.run(100)

        then:
        m.reg(RAX) == 50
        m.cpu.decodeMisses() == 2
    }

    def "self-modifying code: the instruction after a write over a cached one executes the new bytes"() {
        given: 'a page that is writable and executable; the code rewrites the immediate of its own mov'
        def m = new Machine('''
            again:
            mov $1, %eax
            movb $2, again+1(%rip)
            add %eax, %ebx
            cmp $3, %ebx
            jne again
            hlt
        ''', Memory.R | Memory.W | Memory.X)

        expect: 'first pass adds 1 (the old bytes), second pass 2 (the new ones)'
        m.run() == Step.HALT
        m.reg(RBX) == 3
        m.reg(RAX) == 2
    }

    def "a write elsewhere on an executable page does not force a re-decode (bytes are re-checked)"() {
        given:
        def m = new Machine('inc %eax\njmp -4', Memory.R | Memory.W | Memory.X)
        m.mem.poke(CODE + 2, [0xeb, 0xfc] as byte[])
        m.run(4)
        long misses = m.cpu.decodeMisses()

        when:
        m.mem.write8(CODE + 0x800, 0x90)
        m.run(4)

        then:
        m.cpu.decodeMisses() == misses
    }

    def "cross-modifying code: another CPU's write is seen by the next fetch"() {
        given: 'two CPUs sharing one memory; CPU 0 spins on a jmp-to-self'
        def m = new Machine('1: jmp 1b\nmov $9, %eax\nhlt')
        Cpu other = new Cpu(m.mem, Mode.BITS64)

        when:
        m.run(10)

        then:
        m.cpu.rip == CODE

        when: 'text_poke-style: the other side replaces the jmp with a two-byte nop'
        m.mem.poke(CODE, [0x66, 0x90] as byte[])
        int r = m.run(10)

        then:
        r == Step.HALT
        m.reg(RAX) == 9
        other.rip == 0
    }

    def "int3 poked over a cached instruction traps on the next execution"() {
        given:
        def m = new Machine('mov $1, %eax\njmp -7')
        m.mem.poke(CODE + 5, [0xeb, 0xf9] as byte[])
        m.run(6)

        when:
        m.mem.poke(CODE, [0xcc] as byte[])
        m.cpu.rip = CODE

        then:
        m.cpu.step() == Step.BP
        m.cpu.rip == CODE + 1
    }

    def "a page made non-executable faults even for a cached instruction"() {
        given:
        def m = new Machine('nop\njmp -3')
        m.mem.poke(CODE + 1, [0xeb, 0xfd] as byte[])
        m.run(4)

        when:
        m.mem.protect(CODE, 0x1000, Memory.R)
        m.cpu.rip = CODE

        then:
        m.cpu.step() == Step.PF
        (m.cpu.errorCode() & 16) != 0
    }

    def "switching the address space drops the cache"() {
        given:
        def m = new Machine('mov $1, %eax\nhlt')
        Memory other = m.mem.copy()
        other.poke(CODE + 1, [5] as byte[])
        m.run()

        when:
        m.cpu.setMemory(other)
        m.cpu.rip = CODE
        m.run()

        then:
        m.reg(RAX) == 5
    }
}
