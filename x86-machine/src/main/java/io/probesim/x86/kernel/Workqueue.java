package io.probesim.x86.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Delayed work in jiffies (schedule_delayed_work): a work item runs in a kernel worker (a host
 * task) once its delay has passed; it may block (mutexes, grace periods) like any kernel code.
 * (Interim body on branch opt, so optprobes can run before the kernel branch lands: one worker,
 * items in queueing order. The kernel branch's version replaces it.)
 */
public final class Workqueue {

    private final Kernel kernel;
    private final List<Item> items = new ArrayList<>();
    private boolean prepared;

    private record Item(String name, long dueAt, Consumer<HostContext> work) {}

    Workqueue(Kernel kernel) {
        this.kernel = kernel;
    }

    /**
     * Queues `work` under `name` to run `jiffies` ticks from now; a work item already pending
     * under that name is left as it is (as schedule_delayed_work returns false). Must be called
     * once before boot for the worker to exist (see {@link #prepare}).
     */
    public boolean queueDelayed(HostContext ctx, String name, long jiffies, Consumer<HostContext> work) {
        if (!prepared) throw new IllegalStateException("no worker: call prepare before boot");
        if (pending(name)) return false;
        long due = ctx.cpu().localTime() + jiffies * kernel.config().tickPeriodPs();
        items.add(new Item(name, due, work));
        ctx.log("queue-delayed-work", "work", name, "jiffies", jiffies);
        kernel.noteProgress();
        return true;
    }

    /** Creates the worker before boot; a kernel that never needs one gets no extra task. */
    public void prepare(int cpu) {
        if (prepared) return;
        prepared = true;
        kernel.createHostTask("kworker/" + cpu, cpu, this::worker);
    }

    private void worker(HostContext ctx) {
        while (true) {
            ctx.waitUntil("delayed work", () -> !items.isEmpty());
            Item it = items.get(0);
            long now = ctx.cpu().localTime();
            if (it.dueAt() > now) {
                ctx.sleep(it.dueAt() - now);
                continue;
            }
            items.remove(0);
            ctx.log("work-start", "work", it.name());
            it.work().accept(ctx);
            ctx.log("work-done", "work", it.name());
        }
    }

    /** Whether a work item of that name is queued and has not started. */
    public boolean pending(String name) {
        for (Item it : items) if (it.name().equals(name)) return true;
        return false;
    }
}
