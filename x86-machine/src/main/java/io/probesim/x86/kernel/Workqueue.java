package io.probesim.x86.kernel;

import java.util.function.Consumer;

/**
 * Delayed work in jiffies (schedule_delayed_work): a work item runs in a kernel worker (a host
 * task) once its delay has passed; it may block (mutexes, grace periods) like any kernel code.
 * (Skeleton until the kernel branch lands.)
 */
public final class Workqueue {

    private final Kernel kernel;

    Workqueue(Kernel kernel) {
        this.kernel = kernel;
    }

    /**
     * Queues `work` under `name` to run `jiffies` ticks from now; a work item already pending
     * under that name is left as it is (as schedule_delayed_work returns false). Must be called
     * once before boot for the worker to exist (see {@link #prepare}).
     */
    public boolean queueDelayed(HostContext ctx, String name, long jiffies, Consumer<HostContext> work) {
        throw new UnsupportedOperationException("delayed work arrives with the kernel branch");
    }

    /** Creates the worker before boot; a kernel that never needs one gets no extra task. */
    public void prepare(int cpu) {
        throw new UnsupportedOperationException("delayed work arrives with the kernel branch");
    }

    /** Whether a work item of that name is queued and has not started. */
    public boolean pending(String name) {
        return false;
    }
}
