package io.probesim.x86.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Delayed work in jiffies (schedule_delayed_work): a work item runs in a kernel worker
 * ("kworker/N", a host task) once its delay has passed; it may block (mutexes, grace periods,
 * sleeps) like any kernel code, and may queue itself again.
 *
 * <p>A jiffy is a timer tick of CPU 0 (KernelConfig.tickHz). An item queued at jiffies J with a
 * delay of D becomes due when the tick that makes jiffies J + D arrives (the timer wheel runs
 * timers with expires <= jiffies); that tick wakes the worker, which runs due items one at a time,
 * earliest due first, then in queueing order. The worker is an ordinary task: on a busy CPU it
 * waits for its turn. A delay of 0 queues the item at once.
 */
public final class Workqueue {

    private final Kernel kernel;
    private final List<Item> items = new ArrayList<>();
    private Task worker;
    private long queued;

    Workqueue(Kernel kernel) {
        this.kernel = kernel;
    }

    /** A queued work item: due at jiffies `due`, `seq` its queueing order. */
    private record Item(String name, long due, long seq, Consumer<HostContext> work) {}

    /**
     * Queues `work` under `name` to run `jiffies` ticks from now; a work item already pending
     * under that name is left as it is (as schedule_delayed_work returns false). Must be called
     * once before boot for the worker to exist (see {@link #prepare}).
     */
    public boolean queueDelayed(HostContext ctx, String name, long jiffies, Consumer<HostContext> work) {
        if (worker == null) throw new IllegalStateException("delayed work " + name + " queued on a kernel with no worker: call Workqueue.prepare(cpu) before boot");
        if (jiffies < 0) throw new IllegalArgumentException("delayed work " + name + ": negative delay " + jiffies);
        if (pending(name)) return false;
        long due = kernel.timer().jiffies() + jiffies;
        items.add(new Item(name, due, queued++, work));
        if (ctx != null) ctx.log("work-queued", "name", name, "due", due);
        if (jiffies == 0) kernel.recheckWaiters();
        return true;
    }

    /** Creates the worker before boot; a kernel that never needs one gets no extra task. */
    public void prepare(int cpu) {
        if (worker != null) throw new IllegalStateException("the worker exists already (on cpu " + worker.cpu() + ")");
        worker = kernel.createHostTask("kworker/" + cpu, cpu, this::workerLoop);
    }

    /** Whether a work item of that name is queued and has not started. */
    public boolean pending(String name) {
        for (Item i : items) if (i.name().equals(name)) return true;
        return false;
    }

    /** The worker task, or null when none was prepared. */
    public Task worker() {
        return worker;
    }

    /** The timer tick that advanced jiffies: wakes the worker when some item is due. */
    void tick(long jiffies) {
        if (worker != null && next(jiffies) != null) kernel.recheckWaiters();
    }

    private void workerLoop(HostContext ctx) {
        for (;;) {
            ctx.waitUntil("delayed work", () -> next(kernel.timer().jiffies()) != null);
            Item item = next(kernel.timer().jiffies());
            items.remove(item);
            ctx.log("work-start", "name", item.name(), "jiffies", kernel.timer().jiffies());
            item.work().accept(ctx);
            ctx.log("work-done", "name", item.name());
        }
    }

    /** The item to run first among those due at `jiffies`, or null. */
    private Item next(long jiffies) {
        Item best = null;
        for (Item i : items) {
            if (i.due() > jiffies) continue;
            if (best == null || i.due() < best.due() || (i.due() == best.due() && i.seq() < best.seq())) best = i;
        }
        return best;
    }
}
