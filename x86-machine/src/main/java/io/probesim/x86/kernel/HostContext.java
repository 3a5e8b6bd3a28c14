package io.probesim.x86.kernel;

import java.util.function.BooleanSupplier;

/**
 * What a host task (and a kernel routine it calls, such as unregister_kprobe) can do: spend
 * CPU time, sleep, wait for a condition such as a grace period. Every call is a point where
 * other CPUs run and where this task may be interrupted or preempted.
 */
public final class HostContext {

    private final Kernel kernel;
    private final Task task;

    HostContext(Kernel kernel, Task task) {
        this.kernel = kernel;
        this.task = task;
    }

    public Kernel kernel() {
        return kernel;
    }

    public Task task() {
        return task;
    }

    public SimCpu cpu() {
        return kernel.cpu(task.cpu());
    }

    /** Spends `cycles` of CPU time; an interruption point. */
    public void charge(long cycles) {
        cpu().addCycles(cycles);
        yieldPoint();
    }

    /**
     * Hands control back to the engine, unless the engine would only resume this task at once
     * (see {@link SimCpu#continueHostInline}): then the task goes on with no thread hand-off and
     * the run is the same.
     */
    private void yieldPoint() {
        if (!cpu().continueHostInline()) task.carrier.yieldToEngine();
    }

    /** Blocks for `ps` of simulated time (plus the timer slack the chooser picks). */
    public void sleep(long ps) {
        long wakeAt = cpu().localTime() + ps + kernel.timerSlack(ps);
        kernel.log(cpu().id(), task, "sleep", "until", wakeAt);
        kernel.simulation().at(wakeAt, () -> kernel.scheduler().wake(task, wakeAt));
        task.state = TaskState.BLOCKED;
        task.carrier.yieldToEngine();
    }

    /**
     * Blocks until `condition` holds; the kernel re-checks waiters whenever it notes progress
     * (a quiescent state, a freed slot, a released mutex).
     */
    public void waitUntil(String what, BooleanSupplier condition) {
        while (!condition.getAsBoolean()) {
            kernel.log(cpu().id(), task, "block", "on", what);
            task.waiting = new Task.Wait(what, condition);
            task.state = TaskState.BLOCKED;
            task.carrier.yieldToEngine();
        }
    }

    /**
     * Calls the kernel function at `symbol` from this task, as C code in a kernel task would,
     * and returns its rax. The call runs with interrupts held off (a simplification: the
     * callers are test-style tasks, not the races under study).
     */
    public long call(String symbol, long... args) {
        long rax = cpu().callFunction(kernel.symbols().require(symbol).address(), args);
        yieldPoint();
        return rax;
    }

    public void preemptDisable() {
        task.preemptCount++;
    }

    public void preemptEnable() {
        if (task.preemptCount == 0) throw new IllegalStateException("preempt_count underflow in " + task);
        task.preemptCount--;
    }

    public void log(String kind, Object... keyValues) {
        kernel.log(cpu().id(), task, kind, keyValues);
    }

    /** local_irq_save(): interrupts off on this task's CPU (NMIs still come); returns whether they were on. */
    public boolean localIrqSave() {
        var cpu = cpu().cpu();
        boolean wasOn = (cpu.rflags & SimCpu.IF) != 0;
        cpu.rflags &= ~SimCpu.IF;
        return wasOn;
    }

    /** local_irq_restore(): interrupts back on if {@link #localIrqSave} found them on. */
    public void localIrqRestore(boolean wasOn) {
        if (wasOn) cpu().cpu().rflags |= SimCpu.IF;
    }

    /** Blocks until someone wakes this task explicitly (no condition the kernel re-checks). */
    void blockUntilWoken(String what) {
        kernel.log(cpu().id(), task, "block", "on", what);
        task.waiting = null;
        task.state = TaskState.BLOCKED;
        task.carrier.yieldToEngine();
    }
}
