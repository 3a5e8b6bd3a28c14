package io.probesim.x86.kernel

import spock.lang.Specification

import java.util.function.Consumer

/**
 * synchronize_rcu_tasks against synchronize_sched, as the kernel documents them
 * (Documentation/RCU, kernel/rcu/tasks.h's header: an RCU-tasks quiescent state is a voluntary
 * context switch, user-mode execution or idle; a task preempted in the kernel is not in one).
 * This is the difference S4 is about: the 2010 optimizer waited for RCU-sched, which a
 * preemption satisfies, so a task preempted inside a region could resume inside the new jump.
 */
class RcuTasksSpec extends Specification {

    static final long COND_RESCHED = Natives.address('cond_resched')
    static final long SCHEDULE = Natives.address('schedule')

    /**
     * CPU 0: `worker` runs a long loop (several 100-us ticks), then calls schedule() (a voluntary
     * switch); `hog` calls cond_resched in a loop, so the two share CPU 0 by preemption.
     */
    static final String TEXT = """
        worker:   mov \$400000, %ecx
        loop:     dec %ecx
                  jnz loop
                  movabs \$${SCHEDULE}, %rax
                  call *%rax
        rest:     movabs \$${COND_RESCHED}, %rax
                  call *%rax
                  jmp rest
        hog:      movabs \$${COND_RESCHED}, %rax
                  call *%rax
                  jmp hog
    """

    /** Waits (on CPU 1) until `worker` is preempted inside its loop, then runs `wait`; returns the bed. */
    static KernelBed race(String which) {
        def b = new KernelBed(TEXT, cpus: 2, hz: 10000, check: ['no-oops'])
        Task worker = b.x86('worker', 0, 'worker')
        b.x86('hog', 0, 'hog')
        b.host('waiter', 1, { HostContext ctx ->
            // preempted at an interrupt's return: the interrupted ip is in its trap frame
            def interruptedIp = { worker.trapFrames().isEmpty() ? 0L : ctx.kernel().memory().read64(worker.trapFrames()[-1]) }
            ctx.waitUntil('worker preempted in its loop', {
                long ip = interruptedIp()
                worker.state() == TaskState.RUNNABLE && ip >= b.sym('worker') && ip < b.sym('rest')
            })
            ctx.log('wait-start', 'ip', interruptedIp())
            if (which == 'rcu-tasks') ctx.kernel().rcu().synchronizeRcuTasks(ctx)
            else ctx.kernel().rcu().synchronizeSched(ctx)
            ctx.log('wait-done')
        } as Consumer<HostContext>)
        b.run(KernelBed.us(3000), 'waiter')
        b
    }

    /** The first time `worker` leaves CPU 0 voluntarily (anything but a preemption) after `after`. */
    static def voluntaryLeave(KernelBed b, long afterSeq) {
        b.events('switch', 0).find { it.seq() > afterSeq && it.field('from') == 'worker' && it.field('reason') != 'preempt' }
    }

    def "synchronize_rcu_tasks: a task preempted in the kernel holds the grace period until it switches voluntarily"() {
        when:
        def b = race('rcu-tasks')
        def start = b.events('wait-start')[0]
        def done = b.events('wait-done')[0]
        def leave = voluntaryLeave(b, start.seq())

        then: 'worker was preempted (not blocked) when the wait began, and the wait ended only after its schedule() call'
        start != null && done != null && leave != null
        leave.field('reason') == 'voluntary'
        done.seq() > leave.seq()
        b.events('switch', 0).any { it.seq() > start.seq() && it.seq() < leave.seq() && it.field('from') == 'worker' && it.field('reason') == 'preempt' }
        b.violation() == null
    }

    def "synchronize_sched does not wait for it: the preemptions on CPU 0 are enough"() {
        when:
        def b = race('sched')
        def start = b.events('wait-start')[0]
        def done = b.events('wait-done')[0]
        def leave = voluntaryLeave(b, start.seq())

        then: 'done while worker is still inside its loop (its voluntary switch comes later)'
        done != null
        leave == null || done.seq() < leave.seq()
    }

    def "tasks blocked when it starts, idle CPUs and the caller do not hold it; nor does a task that exits"() {
        given: 'CPU 0 has a task asleep for 2 ms; CPU 2 is idle; CPU 3 runs a task that exits soon'
        def b = new KernelBed('''
            short:    mov $2000, %ecx
            1:        dec %ecx
                      jnz 1b
                      ret
        ''', cpus: 4, hz: 10000, check: ['no-oops'])
        b.host('sleeper', 0, { HostContext ctx -> ctx.sleep(KernelBed.us(2000)); ctx.log('sleeper-woke') } as Consumer<HostContext>)
        b.x86('short', 3, 'short')
        b.host('waiter', 1, { HostContext ctx ->
            ctx.sleep(KernelBed.us(1))
            ctx.kernel().rcu().synchronizeRcuTasks(ctx)
            ctx.log('wait-done')
        } as Consumer<HostContext>)

        when:
        b.run(KernelBed.us(3000), 'waiter')

        then: 'done within a few ticks, long before the sleeper wakes'
        def done = b.events('wait-done')[0]
        done != null
        done.time() < KernelBed.us(500)
        b.events('sleeper-woke').isEmpty()
    }

    def "cond_resched counts as a quiescent state: a task preempted in a loop that calls it releases the wait at its next call"() {
        given: 'only `hog` (cond_resched in a loop) and a second such task share CPU 0'
        def b = new KernelBed(TEXT, cpus: 2, hz: 10000, check: ['no-oops'])
        Task hog = b.x86('hog', 0, 'hog')
        b.x86('hog2', 0, 'hog')
        b.host('waiter', 1, { HostContext ctx ->
            ctx.sleep(KernelBed.us(150))
            ctx.kernel().rcu().synchronizeRcuTasks(ctx)
            ctx.log('wait-done')
        } as Consumer<HostContext>)

        when:
        b.run(KernelBed.us(3000), 'waiter')

        then: 'no voluntary switch was needed: both hogs only ever leave CPU 0 by preemption or cond_resched'
        b.events('wait-done').size() == 1
        b.events('wait-done')[0].time() < KernelBed.us(600)
    }
}
