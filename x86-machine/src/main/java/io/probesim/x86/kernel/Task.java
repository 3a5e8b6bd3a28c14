package io.probesim.x86.kernel;

import io.probesim.x86.cpu.CpuState;

import java.util.ArrayList;
import java.util.List;

/**
 * A kernel task: an x86 kernel thread, a host task (Java code carried by a thread under strict
 * hand-off) or a CPU's idle task. Its saved context is what a context switch stores; its trap
 * frames are the pt_regs of interrupts and exceptions it is inside of, innermost last.
 */
public final class Task {

    public enum Kind { X86, HOST, IDLE }

    private final int pid;
    private final String name;
    private final Kind kind;
    private final int cpu;
    private final long stackBase;
    TaskState state = TaskState.RUNNABLE;
    CpuState saved;
    int preemptCount;
    int ticksInSlice;
    final List<Long> trapFrames = new ArrayList<>();
    HostCarrier carrier;
    /** What a blocked task waits for; null when it sleeps on a timer or runs. */
    Wait waiting;

    Task(int pid, String name, Kind kind, int cpu, long stackBase) {
        this.pid = pid;
        this.name = name;
        this.kind = kind;
        this.cpu = cpu;
        this.stackBase = stackBase;
    }

    public int pid() { return pid; }
    public String name() { return name; }
    public Kind kind() { return kind; }
    public int cpu() { return cpu; }
    public TaskState state() { return state; }
    public int preemptCount() { return preemptCount; }

    /** preempt_disable() from trap context. */
    public void preemptDisable() { preemptCount++; }

    /** preempt_enable_no_resched(): the count drops, rescheduling waits for the next check. */
    public void preemptEnableNoResched() {
        if (preemptCount == 0) throw new IllegalStateException("preempt_count underflow in " + name);
        preemptCount--;
    }
    public long stackTop() { return stackBase + Layout.STACK_SIZE; }
    public long stackBase() { return stackBase; }
    /** Saved context of a task that is not on a CPU; null while it runs. */
    public CpuState savedContext() { return saved; }
    /** Addresses of the trap frames this task is inside of, outermost first. */
    public List<Long> trapFrames() { return List.copyOf(trapFrames); }

    @Override
    public String toString() {
        return name;
    }

    /** A condition a blocked task waits on, re-checked whenever the kernel notes progress. */
    record Wait(String what, java.util.function.BooleanSupplier condition) {}
}
