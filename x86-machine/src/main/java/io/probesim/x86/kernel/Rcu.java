package io.probesim.x86.kernel;

/**
 * RCU-sched grace periods: synchronize_sched() returns once every CPU has passed a quiescent
 * state (a context switch, the idle loop) after it was called. An idle CPU is in an extended
 * quiescent state, as with dynticks-idle.
 */
public final class Rcu {

    private final Kernel kernel;
    private final long[] quiescentStates;

    Rcu(Kernel kernel, int cpus) {
        this.kernel = kernel;
        this.quiescentStates = new long[cpus];
    }

    void noteQuiescentState(int cpu) {
        quiescentStates[cpu]++;
        kernel.recheckWaiters();
    }

    /** Blocks the calling host task for one RCU-sched grace period. */
    public void synchronizeSched(HostContext ctx) {
        long[] start = quiescentStates.clone();
        ctx.log("synchronize_sched", "phase", "start");
        ctx.charge(CostTable.SYNCHRONIZE_SCHED_CALL);
        ctx.waitUntil("rcu-sched grace period", () -> elapsedSince(start));
        ctx.log("synchronize_sched", "phase", "done");
    }

    /**
     * synchronize_rcu_tasks(): returns once every task has passed a voluntary context switch,
     * user-mode execution or idle since the call; a preempted task holds it up. (Skeleton: an
     * RCU-sched grace period until the kernel branch lands.)
     */
    public void synchronizeRcuTasks(HostContext ctx) {
        synchronizeSched(ctx);
    }

    private boolean elapsedSince(long[] start) {
        for (int cpu = 0; cpu < start.length; cpu++) {
            boolean idleNow = kernel.cpu(cpu).current().kind() == Task.Kind.IDLE;
            if (quiescentStates[cpu] == start[cpu] && !idleNow) return false;
        }
        return true;
    }
}
