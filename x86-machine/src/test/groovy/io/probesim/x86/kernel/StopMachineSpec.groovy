package io.probesim.x86.kernel

import spock.lang.Specification

import java.util.function.Consumer

/**
 * stop_machine as the kernel documents it (include/linux/stop_machine.h: "freeze the machine on
 * all CPUs and run this function"; the stoppers spin with interrupts disabled): while the
 * function runs, no other CPU executes an instruction. A CPU gets to its stopper only by
 * scheduling, so on !CONFIG_PREEMPT a CPU running kernel code is parked only where that code
 * gives up the CPU itself (cond_resched), never at an arbitrary instruction.
 */
class StopMachineSpec extends Specification {

    static final long COND_RESCHED = Natives.address('cond_resched')

    /** A kernel loop that calls cond_resched every 200 turns (as long-running !PREEMPT code must). */
    static final String TEXT = """
        spin:     mov \$200, %ecx
        1:        dec %ecx
                  jnz 1b
                  movabs \$${COND_RESCHED}, %rax
                  call *%rax
        after:    jmp spin
        tight:    incq %rbx
                  jmp tight
    """

    /** CPUs 0 and 2 run `entry`; CPU 1 stops the machine after 2 us and measures inside. */
    static Map stopOnce(boolean preempt, String entry) {
        def b = new KernelBed(TEXT, cpus: 3, preempt: preempt, check: ['no-oops'])
        b.x86('w0', 0, entry)
        b.x86('w2', 2, entry)
        Map seen = [:]
        b.host('stopper-caller', 1, { HostContext ctx ->
            ctx.sleep(KernelBed.us(2))
            seen.before = [b.kernel.cpu(0).instructions(), b.kernel.cpu(2).instructions()]
            b.kernel.stopMachine().run(ctx, { HostContext c ->
                seen.inside = [b.kernel.cpu(0).instructions(), b.kernel.cpu(2).instructions()]
                for (int i = 0; i < 50; i++) c.charge(1000)         // ~21 us with both others stopped
                seen.end = [b.kernel.cpu(0).instructions(), b.kernel.cpu(2).instructions()]
                seen.irqsOff = (c.cpu().cpu().rflags & SimCpu.IF) == 0
            } as Consumer<HostContext>)
            ctx.sleep(KernelBed.us(5))
            seen.after = [b.kernel.cpu(0).instructions(), b.kernel.cpu(2).instructions()]
        } as Consumer<HostContext>)
        b.run(KernelBed.us(200), 'stopper-caller')
        seen.bed = b
        seen
    }

    def "while the function runs no other CPU executes an instruction; they run before and after (#kind)"() {
        when:
        def seen = stopOnce(preempt, entry)
        KernelBed b = seen.bed

        then:
        b.violation() == null
        seen.inside == seen.end
        seen.irqsOff
        (0..1).every { seen.before[it] > 0 && seen.after[it] > seen.end[it] }
        b.kernel.stopMachine().generation() == 1

        and: 'each other CPU stopped, then left after the function'
        def ev = b.log.events().findAll { it.kind() == 'stop-machine' }
        ev*.field('phase').findAll { it == 'stopped' }.size() == 2
        ev.find { it.field('phase') == 'release' }.seq() < ev.findAll { it.field('phase') == 'left' }*.seq().min()

        where:
        kind                                  | preempt | entry
        'CONFIG_PREEMPT, a tight loop'        | true    | 'tight'
        '!CONFIG_PREEMPT, cond_resched loop'  | false   | 'spin'
    }

    def "on CONFIG_PREEMPT a CPU goes to its stopper at the reschedule IPI's return; on !PREEMPT at cond_resched"() {
        when:
        def seen = stopOnce(preempt, 'spin')
        KernelBed b = seen.bed
        def toStopper = b.events('switch', 0).find { it.task() == 'migration/0' }
        Task w0 = b.kernel.tasks().find { it.name() == 'w0' }

        then:
        toStopper.field('reason') == reason
        b.violation() == null

        where:
        preempt | reason
        true    | 'preempt'
        false   | 'cond_resched'
    }

    def "on !PREEMPT a tight loop that never calls cond_resched never lets its CPU stop: the caller waits"() {
        when:
        def seen = stopOnce(false, 'tight')

        then: 'the function never ran within 200 us'
        seen.inside == null
        seen.bed.events('stop-machine').count { it.field('phase') == 'stopped' } == 0
    }

    def "on !PREEMPT the task is parked right after its cond_resched call, not inside its loop"() {
        given:
        def b = new KernelBed(TEXT, cpus: 2, preempt: false, check: ['no-oops'])
        Task w = b.x86('w0', 0, 'spin')
        Long parkedAt = null
        b.host('caller', 1, { HostContext ctx ->
            ctx.sleep(KernelBed.us(2))
            b.kernel.stopMachine().run(ctx, { HostContext c -> parkedAt = w.savedContext().rip() } as Consumer<HostContext>)
        } as Consumer<HostContext>)

        when:
        b.run(KernelBed.us(100), 'caller')

        then: 'the return address of `call *%rax`, the label after it'
        parkedAt == b.sym('after')
    }
}
