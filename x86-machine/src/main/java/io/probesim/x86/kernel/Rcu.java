package io.probesim.x86.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * RCU-sched grace periods: synchronize_sched() returns once every CPU has passed a quiescent
 * state (a context switch, the idle loop) after it was called. An idle CPU is in an extended
 * quiescent state, as with dynticks-idle. RCU-tasks ({@link #synchronizeRcuTasks}) waits for
 * tasks instead of CPUs.
 */
public final class Rcu {

    private final Kernel kernel;
    private final long[] quiescentStates;
    /** synchronize_rcu_tasks callers waiting for holdouts. */
    private int tasksWaiters;

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
     * synchronize_rcu_tasks() (v3.18; what the optimizer waits for since v4.15): returns once every
     * task that was on a run queue when it started (running or preempted; not the caller, not
     * an idle task, not a task blocked then, which already switched voluntarily) has since passed
     * an RCU-tasks quiescent state: a voluntary context switch (blocking, exit, schedule(),
     * cond_resched), user mode seen by a timer tick, the way back to user mode, or its death.
     * A task preempted in kernel mode holds the grace period until it runs again and switches
     * voluntarily: no task can then still be inside, or return into, a trampoline or a region
     * that was live before the call. The kernel's grace-period kthread brackets its task scan
     * with RCU-sched grace periods [?]; so does this, which also covers interrupt handlers
     * (synchronize_rcu_tasks is never weaker than synchronize_sched here).
     */
    public void synchronizeRcuTasks(HostContext ctx) {
        ctx.log("synchronize_rcu_tasks", "phase", "start");
        synchronizeSched(ctx);
        List<Task> holdouts = new ArrayList<>();
        for (Task t : kernel.tasks()) {
            boolean onRunQueue = t.state == TaskState.RUNNING || t.state == TaskState.RUNNABLE;
            if (t != ctx.task() && t.kind() != Task.Kind.IDLE && onRunQueue) holdouts.add(t);
        }
        long[] marks = new long[holdouts.size()];
        for (int i = 0; i < marks.length; i++) marks[i] = holdouts.get(i).rcuTasksQs;
        ctx.log("synchronize_rcu_tasks", "phase", "scan", "holdouts", holdouts.size());
        tasksWaiters++;
        try {
            ctx.waitUntil("rcu-tasks grace period", () -> allPassed(holdouts, marks));
        } finally {
            tasksWaiters--;
        }
        synchronizeSched(ctx);
        ctx.log("synchronize_rcu_tasks", "phase", "done");
    }

    /** `task` passed an RCU-tasks quiescent state other than a context switch (user mode at a tick, cond_resched). */
    void noteTasksQs(Task task) {
        task.rcuTasksQs++;
        if (tasksWaiters > 0) kernel.recheckWaiters();    // no extra wake-ups in runs that never wait for it
    }

    private static boolean allPassed(List<Task> holdouts, long[] marks) {
        for (int i = 0; i < marks.length; i++) {
            Task t = holdouts.get(i);
            if (t.state != TaskState.DEAD && t.rcuTasksQs == marks[i]) return false;
        }
        return true;
    }

    private boolean elapsedSince(long[] start) {
        for (int cpu = 0; cpu < start.length; cpu++) {
            boolean idleNow = kernel.cpu(cpu).current().kind() == Task.Kind.IDLE;
            if (quiescentStates[cpu] == start[cpu] && !idleNow) return false;
        }
        return true;
    }
}
