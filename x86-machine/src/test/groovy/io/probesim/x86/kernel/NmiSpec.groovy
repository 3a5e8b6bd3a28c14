package io.probesim.x86.kernel

import io.probesim.sim.log.Event
import spock.lang.Specification

/**
 * NMIs on the kernel model, against the SDM (vol. 3, 6.7.1): "While an NMI interrupt handler is
 * executing, the processor blocks delivery of subsequent NMIs until the next execution of the
 * IRET instruction"; an NMI that arrives meanwhile is held pending (one, not a queue); NMIs are
 * not masked by IF. And against seed 001: "int3 inside NMI handler will unblock NMI blocking",
 * so that a second NMI nests and, on x86-64's single NMI stack, overwrites the first one's frame.
 */
class NmiSpec extends Specification {

    /** A worker that runs with interrupts off, and an NMI handler that spins ~1 us. */
    static final String TEXT = '''
        worker:       cli
        1:            inc %rax
                      jmp 1b
        nmi_handler:  nop
        probed:       nop
                      mov $400, %ecx
        2:            dec %ecx
                      jnz 2b
        late:         nop
                      incq 0xffffffff82000000
                      ret
        handler_end:  nop
    '''

    /** Same handler, with a breakpoint (as a kprobe leaves one) on the second instruction. */
    static final String TEXT_INT3 = TEXT.replace('probed:       nop', 'probed:       int3')

    /** The breakpoint at the end of the handler instead. */
    static final String TEXT_INT3_LATE = TEXT.replace('late:         nop', 'late:         int3')

    /** A kernel without Linux's nesting protection (before 3.3; knob noNmiNestingGuard) unless `guard` says otherwise. */
    KernelBed bed(String text, Nmi.NestingGuard guard = Nmi.NestingGuard.NONE) {
        def b = new KernelBed(text, check: ['nmi-frame-integrity', 'no-oops'])
        b.x86('worker', 0, 'worker')
        b.kernel.nmi().setHandler(b.sym('nmi_handler'))
        if (guard != null) b.kernel.nmi().setNestingGuard(guard)
        b
    }

    /** A breakpoint handler standing in for a kprobe on a one-byte instruction: claim the trap, go on after it. */
    static void claimInt3At(KernelBed b, long address) {
        b.kernel.traps().register(new TrapHandler() {
            boolean onBreakpoint(SimCpu cpu, PtRegs regs) { regs.getIp() == address + 1 }
            boolean onDebug(SimCpu cpu, PtRegs regs) { false }
        })
    }

    List<String> nmiEvents(KernelBed b) {
        b.log.events().findAll { it.kind().startsWith('nmi') }.collect { Event e ->
            e.kind() == 'nmi' ? "nmi depth=${e.field('depth')}" :
                e.kind() == 'nmi-arrives' ? "arrives blocked=${e.field('blocked')} merged=${e.field('merged')}" : e.kind()
        }*.toString()
    }

    long counter(KernelBed b) {
        b.kernel.memory().read64(Layout.KERNEL_DATA)
    }

    def "an NMI is taken with interrupts off; a second one waits, blocked, until the handler's iret"() {
        given:
        def b = bed(TEXT)
        b.kernel.nmi().raise(0, KernelBed.us(10))
        b.kernel.nmi().raise(0, KernelBed.us(10.2))          // while the first handler spins

        when:
        b.run(KernelBed.us(30))

        then:
        b.violation() == null
        nmiEvents(b) == ['arrives blocked=false merged=false', 'nmi depth=1',
                         'arrives blocked=true merged=false', 'nmi-return',
                         'nmi depth=1', 'nmi-return']
        b.kernel.nmi().taken(0) == 2
        counter(b) == 2                                        // each handler ran to its end once
        !b.kernel.cpu(0).cpu().nmiBlocked
        b.kernel.nmi().depth(0) == 0

        and: 'the second delivery comes right after the first iret, not when it arrived'
        def ev = b.log.events()
        def firstReturn = ev.find { it.kind() == 'nmi-return' }
        def second = ev.findAll { it.kind() == 'nmi' }[1]
        second.seq() == firstReturn.seq() + 1
    }

    def "NMIs arriving while one is pending merge: the latch holds one"() {
        given:
        def b = bed(TEXT)
        [10, 10.2, 10.3, 10.4].each { b.kernel.nmi().raise(0, KernelBed.us(it)) }

        when:
        b.run(KernelBed.us(30))

        then:
        b.violation() == null
        b.kernel.nmi().taken(0) == 2
        nmiEvents(b).count { it.contains('merged=true') } == 2
    }

    def "the worker resumes where the NMI interrupted it, with its registers and flags"() {
        given:
        def b = bed(TEXT)
        b.kernel.nmi().raise(0, KernelBed.us(10))

        when:
        b.run(KernelBed.us(20))
        def cpu = b.kernel.cpu(0).cpu()

        then:
        b.violation() == null
        (cpu.rflags & SimCpu.IF) == 0                        // still the worker's cli
        cpu.rip >= b.sym('worker') && cpu.rip < b.sym('nmi_handler')
        cpu.gpr[4] == b.kernel.tasks().find { it.name() == 'worker' }.stackTop() - 8
        b.kernel.tasks().find { it.name() == 'worker' }.preemptCount() == 0
    }

    def "seed 001: the iret of an int3 inside the NMI handler unblocks NMIs, a second NMI nests and overwrites the frame"() {
        given:
        def b = bed(TEXT_INT3)
        claimInt3At(b, b.sym('probed'))
        b.kernel.nmi().raise(0, KernelBed.us(10))
        b.kernel.nmi().raise(0, KernelBed.us(10.3))

        when:
        b.run(KernelBed.us(30))

        then: 'the first NMI would now return into its own handler instead of to the worker'
        def v = b.violation()
        v != null && v.invariant() == 'nmi-frame-integrity'
        def m = v.message() =~ /would return to 0x([0-9a-f]+) .* instead of 0x([0-9a-f]+) /
        m.find()
        long now = Long.parseUnsignedLong(m.group(1), 16), was = Long.parseUnsignedLong(m.group(2), 16)
        now > b.sym('nmi_handler') && now < b.sym('handler_end')
        was >= b.sym('worker') && was < b.sym('nmi_handler')
        nmiEvents(b).contains('nmi depth=2')
        b.kernel.memory().read64(Nmi.stackTop(0) - 40) == now
    }

    def "the same, with the NMI arriving before the int3: it waits until the int3's iret, then nests"() {
        given: 'the breakpoint at the end of the handler; the second NMI arrives during the loop before it'
        def b = bed(TEXT_INT3_LATE)
        claimInt3At(b, b.sym('late'))
        b.kernel.nmi().raise(0, KernelBed.us(10))
        b.kernel.nmi().raise(0, KernelBed.us(10.3))

        when:
        b.run(KernelBed.us(30))

        then:
        b.violation()?.invariant() == 'nmi-frame-integrity'
        def kinds = b.log.events()*.kind()
        int int3Done = kinds.indexOf('int3-done')
        int nested = b.log.events().findIndexOf { it.kind() == 'nmi' && it.field('depth') == '2' }
        int3Done > 0 && nested > int3Done
        b.log.events().findIndexOf { it.kind() == 'nmi-return' } < 0 || b.log.events().findIndexOf { it.kind() == 'nmi-return' } > nested
    }

    def "without the int3, the same two NMIs never nest"() {
        given:
        def b = bed(TEXT)
        b.kernel.nmi().raise(0, KernelBed.us(10))
        b.kernel.nmi().raise(0, KernelBed.us(10.3))

        when:
        b.run(KernelBed.us(30))

        then:
        b.violation() == null
        !nmiEvents(b).contains('nmi depth=2')
    }

    def "Linux's nesting guard, installed by default: seed 001's sequence keeps the first frame and repeats the handler"() {
        given: 'the default kernel (no guard set by the spec)'
        def b = bed(TEXT_INT3, null)
        claimInt3At(b, b.sym('probed'))
        b.kernel.nmi().raise(0, KernelBed.us(10))
        b.kernel.nmi().raise(0, KernelBed.us(10.3))

        when:
        b.run(KernelBed.us(30))

        then: 'the nested NMI was turned into a repeat: two full runs of the handler, one frame, back in the worker'
        b.violation() == null
        b.events('nmi').any { it.field('nested') != null }
        b.events('nmi-repeat').size() == 1
        counter(b) == 2
        b.kernel.nmi().depth(0) == 0
        b.kernel.cpu(0).cpu().rip >= b.sym('worker') && b.kernel.cpu(0).cpu().rip < b.sym('nmi_handler')
    }

    def "Linux's guard does not treat an NMI that interrupts ordinary kernel code as nested"() {
        given:
        def b = bed(TEXT, null)
        boolean[] asked = [false]

        when: 'asked directly with the CPU in the worker (its own stack)'
        b.kernel.boot()
        def sc = b.kernel.cpu(0)

        then:
        !Nmi.NestingGuard.LINUX.onNestedNmi(sc, Nmi.stackTop(0) - 40)

        when: 'and with rsp inside the NMI stack'
        sc.cpu().gpr[4] = Nmi.stackTop(0) - 64

        then:
        Nmi.NestingGuard.LINUX.onNestedNmi(sc, Nmi.stackTop(0) - 40)

        cleanup:
        b.kernel.shutdown()
    }

    def "a nesting guard (the hook S21's protection plugs into) keeps the frame and repeats the handler"() {
        given:
        def b = bed(TEXT_INT3)
        claimInt3At(b, b.sym('probed'))
        long[] guarded = [0]
        b.kernel.nmi().setNestingGuard({ SimCpu sc, long frame -> guarded[0] = frame; true } as Nmi.NestingGuard)
        b.kernel.nmi().raise(0, KernelBed.us(10))
        b.kernel.nmi().raise(0, KernelBed.us(10.3))

        when:
        b.run(KernelBed.us(30))

        then:
        b.violation() == null
        guarded[0] == Nmi.stackTop(0) - 40
        b.events('nmi-repeat').size() == 1
        counter(b) == 2                                         // the handler ran twice, each to its end
        b.kernel.nmi().depth(0) == 0
        !b.kernel.cpu(0).cpu().nmiBlocked
    }

    def "an NMI wakes a halted idle CPU and returns to its idle loop"() {
        given: 'cpu 1 has nothing to run'
        def b = new KernelBed(TEXT, cpus: 2, check: ['nmi-frame-integrity', 'no-oops'])
        b.x86('worker', 0, 'worker')
        b.kernel.nmi().setHandler(b.sym('nmi_handler'))
        b.kernel.nmi().raise(1, KernelBed.us(20))

        when:
        b.run(KernelBed.us(40))

        then:
        b.violation() == null
        b.kernel.nmi().taken(1) == 1
        counter(b) == 1
        b.events('nmi-return', 1).size() == 1
    }

    def "raiseWithin draws the arrival time from the chooser"() {
        given:
        def b = new KernelBed(TEXT, check: ['nmi-frame-integrity'], chooser: io.probesim.sim.explore.Strategies.replay([0, 0, 16] as int[]))
        b.x86('worker', 0, 'worker')
        b.kernel.nmi().setHandler(b.sym('nmi_handler'))

        when: 'the first two choices are the timer phase and jitter; the third places the NMI at the end of its window'
        b.kernel.nmi().raiseWithin(0, KernelBed.us(10), KernelBed.us(12))
        b.run(KernelBed.us(30))

        then:
        b.kernel.nmi().taken(0) == 1
        b.events('nmi-arrives').size() == 1
    }
}
