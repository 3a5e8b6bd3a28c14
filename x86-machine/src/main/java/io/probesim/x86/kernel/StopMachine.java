package io.probesim.x86.kernel;

import io.probesim.x86.cpu.CycleCosts;

import java.util.function.Consumer;

/**
 * stop_machine(): runs a function on the calling CPU while every other CPU spins with interrupts
 * off, as the 2010 text_poke_smp needs.
 *
 * <p>The model follows the kernel's mechanism rather than freezing CPUs by fiat. Each CPU has a
 * stopper task ("migration/N", the highest priority; created the first time it is needed). A
 * call wakes the stopper of every other CPU at the head of its run queue and sends that CPU a
 * reschedule IPI. The CPU switches to its stopper only at a scheduling point: on CONFIG_PREEMPT
 * when an interrupt returns (the IPI's own return, if preempt_count is 0 and interrupts were on
 * where it landed); on !CONFIG_PREEMPT only where the task gives the CPU up itself: cond_resched,
 * blocking, exit, the way back to user mode. So a CPU is never parked at an arbitrary kernel
 * instruction on !PREEMPT, and a CPU with interrupts or preemption off delays the caller.
 *
 * <p>A stopper that runs turns interrupts off and reports; once all have, the caller (which
 * blocks meanwhile, and is itself woken as the highest priority on its CPU) turns interrupts off,
 * runs the function, and lets the stoppers go. Each stopper serializes (sync_core) before it
 * turns interrupts back on and blocks; the caller returns when all have left. NMIs are not
 * stopped (why text_poke_smp cannot patch NMI code). Calls are serialized (stop_cpus_mutex).
 * Simplification: the kernel runs the function in the caller CPU's own stopper; here the caller
 * task runs it with preemption and interrupts off, which is the same for every other CPU.
 */
public final class StopMachine {

    /** One turn of a stopper's or the caller's wait (multi_cpu_stop's cpu_relax loop). */
    private static final long SPIN = 100;

    private final Kernel kernel;
    private final Task[] stoppers;
    private final long[] acked;
    private final long[] left;
    private long generation;
    private long released;
    private boolean busy;
    private Task caller;

    StopMachine(Kernel kernel) {
        this.kernel = kernel;
        int n = kernel.config().cpus();
        this.stoppers = new Task[n];
        this.acked = new long[n];
        this.left = new long[n];
    }

    /**
     * Runs `fn` on the calling task's CPU with every other CPU parked in its stopper with
     * interrupts off; returns when every stopper has serialized and left.
     */
    public void run(HostContext ctx, Consumer<HostContext> fn) {
        ctx.waitUntil("stop_machine mutex", () -> !busy);
        busy = true;
        caller = ctx.task();
        long gen = ++generation;
        int self = ctx.cpu().id();
        ctx.log("stop-machine", "phase", "start", "generation", gen);
        long at = ctx.cpu().localTime();
        for (int c = 0; c < stoppers.length; c++) {
            if (c == self) continue;
            if (stoppers[c] == null) stoppers[c] = createStopper(c);
            kernel.scheduler().wakeFirst(stoppers[c], at);
            SimCpu target = kernel.cpu(c);
            kernel.simulation().at(at, () -> target.raiseIrq(SimCpu.RESCHED_IPI, at));
        }
        ctx.charge(CostTable.IPI_SEND * Math.max(stoppers.length - 1, 1));
        // the last stopper to stop wakes the caller (see stop)
        while (!all(acked, gen, self)) ctx.blockUntilWoken("stop_machine: other cpus stopping");
        ctx.preemptDisable();
        boolean irqs = ctx.localIrqSave();
        ctx.log("stop-machine", "phase", "run", "generation", gen);
        try {
            fn.accept(ctx);
        } finally {
            released = gen;
            ctx.log("stop-machine", "phase", "release", "generation", gen);
            while (!all(left, gen, self)) ctx.charge(SPIN);
            ctx.localIrqRestore(irqs);
            ctx.preemptEnable();
            busy = false;
            caller = null;
            ctx.log("stop-machine", "phase", "done", "generation", gen);
            kernel.noteProgress();
        }
    }

    /** Calls so far (specs). */
    public long generation() {
        return generation;
    }

    /** The stopper task of `cpu`, or null while no stop_machine has needed it. */
    public Task stopper(int cpu) {
        return stoppers[cpu];
    }

    private Task createStopper(int cpu) {
        return kernel.createKernelThread("migration/" + cpu, cpu, ctx -> {
            for (;;) {
                long gen = generation;
                if (acked[cpu] < gen) stop(ctx, cpu, gen);
                ctx.blockUntilWoken("stop_machine work");
            }
        });
    }

    /** multi_cpu_stop on a CPU other than the caller's: interrupts off, wait, serialize, leave. */
    private void stop(HostContext ctx, int cpu, long gen) {
        boolean irqs = ctx.localIrqSave();
        acked[cpu] = gen;
        ctx.log("stop-machine", "phase", "stopped", "generation", gen);
        if (all(acked, gen, caller.cpu())) {
            long at = ctx.cpu().localTime();
            kernel.scheduler().wakeFirst(caller, at);
            SimCpu home = kernel.cpu(caller.cpu());
            kernel.simulation().at(at, () -> home.raiseIrq(SimCpu.RESCHED_IPI, at));
        }
        while (released < gen) ctx.charge(SPIN);
        kernel.prefetch().serialize(ctx.cpu());            // sync_core before running anything else
        ctx.cpu().addCycles(CycleCosts.SERIALIZING);
        left[cpu] = gen;
        ctx.log("stop-machine", "phase", "left", "generation", gen);
        ctx.localIrqRestore(irqs);
    }

    private static boolean all(long[] marks, long gen, int except) {
        for (int c = 0; c < marks.length; c++) {
            if (c != except && marks[c] < gen) return false;
        }
        return true;
    }
}
