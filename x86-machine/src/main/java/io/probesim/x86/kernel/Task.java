package io.probesim.x86.kernel;

import io.probesim.x86.cpu.CpuState;
import io.probesim.x86.mem.Memory;

import java.util.ArrayList;
import java.util.List;

/**
 * A task: an x86 kernel thread, a host task (Java code carried by a thread under strict
 * hand-off), a CPU's idle task, or a user process (x86 at CPL 3 in an address space of its own
 * that shares the kernel half). Its saved context is what a context switch stores; its trap
 * frames are the pt_regs of interrupts and exceptions it is inside of, innermost last.
 */
public final class Task {

    public enum Kind { X86, HOST, IDLE, USER }

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
    /** A user process's address space; null for kernel tasks (they use the kernel's memory). */
    Memory addressSpace;
    /** A user program's own symbols (for fault messages); null when it has none. */
    SymbolTable userSymbols;
    /** exit()'s status (0..255), or -1 while alive or when killed. */
    int exitStatus = -1;
    /** Why the task was killed (an oops, a user-mode fault); null when it exited or lives. */
    String killedBy;
    /** RCU-tasks quiescent states passed (voluntary switches, user mode seen at a tick, cond_resched). */
    long rcuTasksQs;

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
    /** A user process's address space; null for a kernel task. */
    public Memory addressSpace() { return addressSpace; }
    /** The status a user task passed to exit() (0..255); -1 while it lives or when it was killed. */
    public int exitStatus() { return exitStatus; }
    /** Why the task was killed, or null. */
    public String killedBy() { return killedBy; }

    @Override
    public String toString() {
        return name;
    }

    /** A condition a blocked task waits on, re-checked whenever the kernel notes progress. */
    record Wait(String what, java.util.function.BooleanSupplier condition) {}
}
