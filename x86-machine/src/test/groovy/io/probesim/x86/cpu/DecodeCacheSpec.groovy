package io.probesim.x86.cpu

import io.probesim.x86.decode.Mode
import io.probesim.x86.mem.BackingFile
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

    def "a user fetch from a supervisor page faults even when the instruction was decoded at CPL 0"() {
        given: 'kernel code that has run (and is cached) at CPL 0'
        def m = new Machine('mov $1, %eax\njmp -7')
        m.mem.poke(CODE + 5, [0xeb, 0xf9] as byte[])
        m.run(4)
        long misses = m.cpu.decodeMisses()

        when: 'the same address is fetched at CPL 3'
        m.cpu.cpl = 3
        m.cpu.rip = CODE
        int r = m.cpu.step()

        then: '#PF with P, U/S and I/D set (SDM: a user-mode fetch from a supervisor page)'
        r == Step.PF
        m.cpu.errorCode() == (1 | 4 | 16)
        m.cpu.faultAddress() == CODE
        m.cpu.rip == CODE

        when: 'back at CPL 0 the cached instruction is still good'
        m.cpu.cpl = 0
        r = m.cpu.step()

        then:
        r == Step.OK
        m.cpu.decodeMisses() == misses + 1            // only the CPL 3 attempt decoded
    }

    def "the supervisor executes user pages (no SMEP) and a user page cached at CPL 0 runs at CPL 3"() {
        given:
        def m = new Machine('mov $1, %eax\nmov $2, %ebx', Memory.R | Memory.X, true)

        expect:
        m.cpu.step() == Step.OK

        when:
        m.cpu.cpl = 3
        m.cpu.rip = CODE

        then:
        m.cpu.step() == Step.OK
        m.cpu.step() == Step.OK
        m.reg(RBX) == 2
    }

    def "two processes run one file's text; int3 written into one of them traps only there, both decode caches stay exact"() {
        given: 'the same program text mapped privately into two processes, one CPU in each, both having run it'
        byte[] text = GnuAs.assemble('1: add $1, %eax\njmp 1b')
        long at = 0x400000
        def kernel = new Memory()
        Memory a = kernel.newProcessSpace()
        Memory b = kernel.newProcessSpace()
        def file = new BackingFile('/bin/loop', text)
        [a, b].each { it.mapFile(at, 0x1000, Memory.R | Memory.X | Memory.U, file, 0) }
        Cpu ca = userCpu(a, at), cb = userCpu(b, at)
        4.times { assert ca.step() == Step.OK; assert cb.step() == Step.OK }

        when: "uprobes' forced write of int3 over the add in A only"
        a.poke(at, [0xcc] as byte[])

        then: 'A traps (rip after the int3), B keeps adding'
        ca.step() == Step.BP
        ca.rip == at + 1
        cb.step() == Step.OK
        cb.step() == Step.OK
        cb.gpr[RAX] == 3

        when: 'the original byte goes back into A'
        a.poke(at, [text[0]] as byte[])
        ca.rip = at

        then:
        ca.step() == Step.OK
        ca.gpr[RAX] == 3
    }

    def "kernel text patched through the kernel space is seen by a CPU running in a process space"() {
        given:
        def kernel = new Memory()
        long k = 0xffffffff81000000L
        kernel.map(k, 0x1000, Memory.R | Memory.X)
        kernel.poke(k, GnuAs.assemble('1: mov $1, %eax\njmp 1b'))
        Memory p = kernel.newProcessSpace()
        def cpu = new Cpu(p, Mode.BITS64)
        cpu.rip = k
        4.times { assert cpu.step() == Step.OK }

        when:
        kernel.poke(k + 1, [7] as byte[])
        cpu.step()

        then:
        cpu.gpr[RAX] == 7
    }

    static Cpu userCpu(Memory m, long rip) {
        def c = new Cpu(m, Mode.BITS64)
        c.cpl = 3
        c.cs = 0x33
        c.ss = 0x2b
        c.rip = rip
        c
    }
}
