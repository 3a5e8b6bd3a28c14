package io.probesim.x86.kernel

import spock.lang.Specification

import java.util.function.Consumer

/**
 * Delayed work as schedule_delayed_work documents it: the work runs in a worker thread once
 * `delay` jiffies have passed (the timer fires at the tick that makes jiffies reach the expiry),
 * may sleep, and may queue itself again; queueing an item already pending does nothing and
 * returns false.
 */
class WorkqueueSpec extends Specification {

    static final String TEXT = '''
        spin:     jmp spin
    '''

    def "work queued at jiffies J with a delay of D starts at jiffies J + D, in the worker, after exactly D timer ticks of CPU 0"() {
        given:
        def b = new KernelBed(TEXT, cpus: 2, hz: 10000, check: ['no-oops'])
        b.kernel.workqueue().prepare(1)
        Map seen = [:]
        b.host('queuer', 0, { HostContext ctx ->
            ctx.sleep(KernelBed.us(250))
            seen.queuedAt = ctx.kernel().timer().jiffies()
            seen.first = ctx.kernel().workqueue().queueDelayed(ctx, 'w', delay, { HostContext w ->
                seen.ranAt = w.kernel().timer().jiffies()
                seen.ranIn = w.task().name()
            } as Consumer<HostContext>)
            seen.pendingAfterQueue = ctx.kernel().workqueue().pending('w')
            seen.second = ctx.kernel().workqueue().queueDelayed(ctx, 'w', 1, { HostContext w -> seen.wrong = true } as Consumer<HostContext>)
            ctx.waitUntil('work ran', { seen.ranAt != null })
            seen.pendingAfterRun = ctx.kernel().workqueue().pending('w')
        } as Consumer<HostContext>)

        when:
        b.run(KernelBed.us(5000), 'queuer')
        def queued = b.events('work-queued')[0]
        def started = b.events('work-start')[0]
        int ticks = b.log.events().count { it.kind() == 'irq' && it.cpu() == 0 && it.field('vector') == 'timer' && it.seq() > queued.seq() && it.seq() < started.seq() }

        then:
        seen.first == true
        seen.second == false
        seen.pendingAfterQueue
        !seen.pendingAfterRun
        seen.wrong == null
        seen.ranAt == seen.queuedAt + delay
        seen.ranIn == 'kworker/1'
        started.cpu() == 1
        ticks == delay

        where:
        delay << [1, 5]
    }

    def "work can block (sleep, a grace period) and queue itself again"() {
        given:
        def b = new KernelBed(TEXT, cpus: 2, hz: 10000, check: ['no-oops'])
        b.kernel.workqueue().prepare(1)
        List<List<Long>> runs = []
        long queuedAt = -1
        Consumer<HostContext> work
        work = { HostContext w ->
            long start = w.kernel().timer().jiffies()
            w.sleep(KernelBed.us(150))                       // 1.5 ticks
            w.kernel().rcu().synchronizeSched(w)
            runs << [start, w.kernel().timer().jiffies()]
            if (runs.size() < 3) w.kernel().workqueue().queueDelayed(w, 'again', 2, work)
        } as Consumer<HostContext>
        b.host('queuer', 0, { HostContext ctx ->
            ctx.sleep(KernelBed.us(50))
            queuedAt = ctx.kernel().timer().jiffies()
            ctx.kernel().workqueue().queueDelayed(ctx, 'again', 3, work)
            while (runs.size() < 3) ctx.sleep(KernelBed.us(100))
        } as Consumer<HostContext>)

        when:
        b.run(KernelBed.us(10000), 'queuer')

        then: 'each run starts 2 jiffies after the previous one queued it at its end'
        runs.size() == 3
        runs[0][0] == queuedAt + 3
        runs[1][0] == runs[0][1] + 2
        runs[2][0] == runs[1][1] + 2
        runs.every { it[1] > it[0] }                        // the sleep spanned a tick
        b.violation() == null
    }

    def "a kernel that never prepares a worker has no extra task, and queueing on it says why it cannot"() {
        given:
        def b = new KernelBed(TEXT, cpus: 1, check: ['no-oops'])
        Throwable thrown = null
        b.host('queuer', 0, { HostContext ctx ->
            try {
                ctx.kernel().workqueue().queueDelayed(ctx, 'w', 1, { } as Consumer<HostContext>)
            } catch (IllegalStateException e) {
                thrown = e
            }
        } as Consumer<HostContext>)

        when:
        b.run(KernelBed.us(100), 'queuer')

        then:
        b.kernel.tasks()*.name() == ['queuer', 'swapper/0']
        thrown.message.contains('Workqueue.prepare')
    }
}
