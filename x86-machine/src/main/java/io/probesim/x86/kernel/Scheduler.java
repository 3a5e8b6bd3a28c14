package io.probesim.x86.kernel;


import java.util.ArrayDeque;

/**
 * Per-CPU FIFO run queues and the context switch. Tasks do not migrate. A context switch is
 * a quiescent state for RCU-sched.
 */
public final class Scheduler {

    private final Kernel kernel;
    private final ArrayDeque<Task>[] runQueues;
    private final Task[] idle;

    @SuppressWarnings("unchecked")
    Scheduler(Kernel kernel, int cpus) {
        this.kernel = kernel;
        this.runQueues = new ArrayDeque[cpus];
        this.idle = new Task[cpus];
        for (int i = 0; i < cpus; i++) runQueues[i] = new ArrayDeque<>();
    }

    void setIdle(int cpu, Task task) {
        idle[cpu] = task;
    }

    public boolean hasRunnable(int cpu) {
        return !runQueues[cpu].isEmpty();
    }

    void enqueue(Task task) {
        task.state = TaskState.RUNNABLE;
        runQueues[task.cpu()].addLast(task);
    }

    /** Makes a blocked task runnable at `time`; an idle CPU is asked to reschedule. */
    public void wake(Task task, long time) {
        if (task.state != TaskState.BLOCKED) return;
        task.waiting = null;
        enqueue(task);
        SimCpu sc = kernel.cpu(task.cpu());
        kernel.log(sc.id(), task, "wake");
        if (sc.current.kind() == Task.Kind.IDLE) sc.needResched = true;
        sc.kick(time);
    }

    /** schedule(): put the current task back (if it can run) and switch to the next one. */
    public void schedule(SimCpu sc, String reason) {
        Task prev = sc.current;
        int cpu = sc.id();
        if (prev.state == TaskState.RUNNING && prev.kind() != Task.Kind.IDLE) enqueue(prev);
        Task next = runQueues[cpu].pollFirst();
        if (next == null) next = idle[cpu];
        sc.needResched = false;
        // every switch but a preemption in kernel mode is an RCU-tasks quiescent state of the task
        // leaving: a voluntary switch, or a preemption at the user-mode boundary (a syscall's exit)
        if ((!reason.equals("preempt") || sc.cpu().cpl == 3) && prev.kind() != Task.Kind.IDLE) prev.rcuTasksQs++;
        kernel.rcu().noteQuiescentState(cpu);
        if (next == prev) {
            prev.state = TaskState.RUNNING;
            return;
        }
        prev.saved = sc.cpu().save();
        switchTo(sc, next);
        next.saved = null;
        next.state = TaskState.RUNNING;
        next.ticksInSlice = 0;
        sc.current = next;
        sc.addCycles(CostTable.CONTEXT_SWITCH);
        kernel.log(cpu, next, "switch", "from", prev.name(), "reason", reason);
    }

    /** Loads a task's context and address space (a user task's own, else the kernel's memory). */
    private void switchTo(SimCpu sc, Task next) {
        var cpu = sc.cpu();
        cpu.load(next.saved);
        var space = next.addressSpace != null ? next.addressSpace : kernel.memory();
        cpu.setMemory(space);
    }

    /** Starts the first task on each CPU at boot. */
    void start(SimCpu sc) {
        Task next = runQueues[sc.id()].pollFirst();
        if (next == null) next = idle[sc.id()];
        switchTo(sc, next);
        next.saved = null;
        next.state = TaskState.RUNNING;
        sc.current = next;
        kernel.log(sc.id(), next, "switch", "from", "boot", "reason", "boot");
    }

    /**
     * Wakes `task` at the head of its CPU's run queue and asks that CPU to reschedule: a task of
     * the highest priority (a stop_machine stopper). The CPU switches to it at its next
     * scheduling point; the caller sends the reschedule IPI that makes one come soon.
     */
    void wakeFirst(Task task, long time) {
        var queue = runQueues[task.cpu()];
        if (task.state == TaskState.BLOCKED) {
            task.waiting = null;
            task.state = TaskState.RUNNABLE;
        } else if (task.state == TaskState.RUNNABLE) {
            queue.remove(task);
        } else {
            return;
        }
        queue.addFirst(task);
        SimCpu sc = kernel.cpu(task.cpu());
        kernel.log(sc.id(), task, "wake", "first", true);
        sc.needResched = true;
        sc.kick(time);
    }
}
