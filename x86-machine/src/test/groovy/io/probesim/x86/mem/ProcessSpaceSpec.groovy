package io.probesim.x86.mem

import io.probesim.x86.cpu.Cpu
import io.probesim.x86.cpu.Step
import io.probesim.x86.decode.Mode
import spock.lang.Specification

/**
 * Process address spaces: own pages below the task size, the kernel half shared with the
 * kernel's memory, and user mode refusing kernel-half accesses as a supervisor page does (SDM
 * vol. 3, 4.6: a user-mode access to a supervisor-mode address is a protection fault, #PF with
 * P=1 and U/S=1 when the page is present).
 */
class ProcessSpaceSpec extends Specification {

    static final long TASK_SIZE = 0x00007ffffffff000L
    static final long KTEXT = 0xffffffff81000000L
    static final long USER = 0x400000L

    Memory kernel = new Memory()

    def setup() {
        kernel.map(KTEXT, 0x2000, Memory.R | Memory.X)
        kernel.poke(KTEXT, [0x90, 0xc3] as byte[])
    }

    def "the kernel half is shared both ways; the user half is each process's own"() {
        given:
        def a = kernel.newProcessSpace(TASK_SIZE)
        def b = kernel.newProcessSpace(TASK_SIZE)
        a.map(USER, 0x1000, Memory.R | Memory.W)
        b.map(USER, 0x1000, Memory.R | Memory.W)
        kernel.map(0xffffc90000000000L, 0x1000, Memory.R | Memory.W)

        when:
        a.write64(USER, 1)
        b.write64(USER, 2)
        a.write64(0xffffc90000000000L, 77)

        then:
        a.read64(USER) == 1 && b.read64(USER) == 2
        !kernel.isMapped(USER)
        kernel.read64(0xffffc90000000000L) == 77
        b.read64(0xffffc90000000000L) == 77
        a.read8(KTEXT) == 0x90
    }

    def "mapping a kernel-half range through a process space maps it in the kernel's memory; a range across the task size is refused"() {
        given:
        def a = kernel.newProcessSpace(TASK_SIZE)

        when:
        a.map(0xffffffffa1000000L, 0x1000, Memory.R | Memory.W)

        then:
        kernel.perms(0xffffffffa1000000L) == (Memory.R | Memory.W)

        when:
        a.map(TASK_SIZE - 0x1000, 0x2000, Memory.R)

        then:
        thrown(IllegalArgumentException)
    }

    def "in user mode a kernel-half access faults: present for a kernel page, not present for a hole; user pages still work"() {
        given:
        def a = kernel.newProcessSpace(TASK_SIZE)
        a.map(USER, 0x1000, Memory.R | Memory.W | Memory.U)
        a.read8(KTEXT)                                              // cached in the lookaside buffer in kernel mode

        when:
        a.userAccess(true)
        def present = a.probe(KTEXT, false, false, true)
        def hole = a.probe(0xffffffffa0000000L, false, false, true)
        a.read8(KTEXT)

        then:
        present.present() && !present.nonCanonical()
        !hole.present()
        def f = thrown(MemoryFault)
        f.present() && f.address() == KTEXT
        a.read64(USER) == 0

        when:
        a.userAccess(false)

        then:
        a.read8(KTEXT) == 0x90
    }

    def "a CPU at CPL 3 gets #PF with error code P|U for a kernel address and runs its own code"() {
        given:
        def a = kernel.newProcessSpace(TASK_SIZE)
        a.map(USER, 0x1000, Memory.R | Memory.X | Memory.U)
        a.poke(USER, [0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x00, 0x81] as byte[])  // mov 0xffffffff81000000,%rax
        def cpu = new Cpu(a, Mode.BITS64)
        cpu.rip = USER
        cpu.cpl = 3

        expect:
        cpu.step() == Step.PF
        cpu.faultAddress() == KTEXT
        cpu.errorCode() == (1 | 4)
        cpu.rip == USER
    }

    def "a change to kernel text advances the code version of every process space, so decoded kernel code stays exact"() {
        given:
        def a = kernel.newProcessSpace(TASK_SIZE)
        def cpu = new Cpu(a, Mode.BITS64)
        kernel.map(0xffffc90000000000L, 0x1000, Memory.R | Memory.W)
        cpu.gpr[Cpu.RSP] = 0xffffc90000000800L
        cpu.rip = KTEXT
        long before = a.codeVersion()

        when:
        cpu.step()                                                  // nop, decoded and cached
        kernel.poke(KTEXT, [0xf4] as byte[])                        // hlt
        cpu.rip = KTEXT

        then:
        a.codeVersion() > before
        cpu.step() == Step.HALT

        when: 'released spaces no longer follow the kernel'
        a.release()
        long v = a.codeVersion()
        kernel.poke(KTEXT, [0x90] as byte[])

        then:
        a.codeVersion() == v
    }
}
