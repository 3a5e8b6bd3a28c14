package io.probesim.x86.kernel;

import io.probesim.sim.Actor;
import io.probesim.x86.cpu.Cpu;
import io.probesim.x86.cpu.Step;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.decode.Mnemonic;

/**
 * One emulated CPU as the engine sees it: an actor whose local time advances by the cycles of
 * what it executes. Between instructions it takes pending interrupts; at the address of a
 * native routine (in kernel mode) it runs that routine instead of fetching; otherwise it steps
 * the interpreter and hands any exception to the kernel's trap layer.
 *
 * <p><b>Batches.</b> With {@link Kernel#setBatching} on, a CPU running a user task while every
 * other CPU is halted keeps executing that task's instructions within one engine step, until its
 * local time reaches {@link io.probesim.sim.Simulation#deadline()} (the next event: a timer tick,
 * a wake-up) or an instruction does anything but complete (a system call, a fault, hlt), which
 * is exactly where the engine would have done something else. Interrupts stay precise: they are
 * raised by events, and a batch ends before the first one.
 */
public final class SimCpu implements Actor {

    public static final long IF = 1L << 9;
    public static final long TF = 1L << 8;
    public static final int TIMER_IRQ = 1;
    /** The IPI text_poke_bp sends so that every CPU runs sync_core (see {@link TextPatcher#syncCore}). */
    public static final int SYNC_CORE_IPI = 2;
    /** The reschedule IPI (a stop_machine stopper woken on this CPU): its return is a preemption point. */
    public static final int RESCHED_IPI = 4;
    /** The NMI latch (one NMI may wait while NMIs are blocked); not maskable by IF. */
    static final int NMI_PENDING = 1 << 30;

    private static final int RING = 16;
    /** Argument registers of a kernel function: x86-64 SysV (rdi rsi rdx rcx r8 r9); i386 kernel regparm(3) (eax edx ecx). */
    private static final int[] ARGS_64 = {7, 6, 2, 1, 8, 9}, ARGS_32 = {0, 2, 1};
    /** A function called from Java that runs longer than this is taken to loop forever. */
    private static final long MAX_CALL_STEPS = 10_000_000;

    private final int id;
    private final Kernel kernel;
    private final Cpu cpu;
    private final int clockMhz;
    /** Picoseconds per cycle in 16.16 fixed point: local time needs a multiply, not a divide, per step. */
    private final long psPerCycle16;

    private long baseTime;
    private long cyclesSinceBase;
    private long totalCycles;
    private boolean halted;
    Task current;
    boolean needResched;
    private int pendingIrqs;
    private long instructions;

    private final long[] ringIp = new long[RING];
    private final long[] ringTime = new long[RING];
    private final Instruction[] ringInsn = new Instruction[RING];
    private final Task[] ringTask = new Task[RING];
    private int ringPos;
    /** ringPos at this CPU's last serializing event that was not an instruction (an iret of the kernel model, sync_core). */
    private int serialPos;
    /** True while the stale-prefetch model has something to check before this CPU's next instruction. */
    boolean fetchCheck;

    /** Addresses watched by any owner, flattened; empty on the common path (see {@link #watch(Object, long[], java.util.function.LongConsumer)}). */
    private long[] watches = new long[0];
    private java.util.function.LongConsumer[] watchHandlers = new java.util.function.LongConsumer[0];
    private final java.util.List<Watch> watchList = new java.util.ArrayList<>();

    private record Watch(Object owner, long[] addresses, java.util.function.LongConsumer handler) {}

    SimCpu(int id, Kernel kernel, Cpu cpu, int clockMhz) {
        this.id = id;
        this.kernel = kernel;
        this.cpu = cpu;
        this.clockMhz = clockMhz;
        this.psPerCycle16 = (1_000_000L << 16) / clockMhz;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public long localTime() {
        return baseTime + ((cyclesSinceBase * psPerCycle16) >>> 16);
    }

    @Override
    public boolean runnable() {
        return !halted || pendingIrqs != 0;
    }

    @Override
    public void stall(long ps) {
        rebase(localTime() + ps);
        kernel.log(id, current, "stall", "ps", ps);
    }

    @Override
    public void step() {
        long left = kernel.instructionsLeft();
        if (left <= 0) {
            kernel.simulation().stop("instruction limit");   // the engine returns before any further step
            return;
        }
        try {
            executeOne(true);
            if (kernel.batching()) runBatch(left - 1);
        } catch (KernelPanic panic) {
            kernel.traps().killCurrent(this, panic.getMessage());
        }
        if (left != Long.MAX_VALUE && kernel.instructionsLeft() <= 0) kernel.simulation().stop("instruction limit");
    }

    /** More of the current user task's instructions in this engine step (see the class comment). */
    private void runBatch(long left) {
        if (current.kind() != Task.Kind.USER || cpu.cpl != 3 || pendingIrqs != 0 || halted
                || (cpu.rflags & TF) != 0 || watches.length != 0 || !aloneRunnable()) {
            return;
        }
        long cycleLimit = cyclesUntil(kernel.simulation().deadline());
        if (left <= 0 || cyclesSinceBase >= cycleLimit) return;
        // Cpu.run stops where this loop of steps would: after `left` instructions, once the cycles
        // reach the limit, or at the first trap or fault. Only the batch's last instruction goes
        // into the trace ring (a batch is a lone user task, outside any scenario's races).
        int result = cpu.run(left, cycleLimit - cyclesSinceBase);
        addCycles(cpu.batchCycles());
        instructions += cpu.batchInstructions();
        long ip = cpu.lastAddress();
        int slot = ringPos++ & (RING - 1);
        ringIp[slot] = ip;
        ringTime[slot] = localTime();
        ringInsn[slot] = cpu.lastInstruction();
        ringTask[slot] = current;
        if (result != Step.OK) kernel.traps().exception(this, result, ip);
    }

    /**
     * The value of cyclesSinceBase at which localTime() first reaches `time`: the least c with
     * baseTime + ((c * psPerCycle16) >>> 16) >= time, so that a batch bounded by it stops exactly
     * where the engine's time comparison would (Long.MAX_VALUE when too far to matter).
     */
    private long cyclesUntil(long time) {
        long d = time - baseTime;
        if (d <= 0) return 0;
        if (d > (Long.MAX_VALUE >>> 17)) return Long.MAX_VALUE;
        return ((d << 16) + psPerCycle16 - 1) / psPerCycle16;
    }

    private boolean aloneRunnable() {
        for (int i = 0; i < kernel.cpuCount(); i++) {
            if (i != id && kernel.cpu(i).runnable()) return false;
        }
        return true;
    }

    /** One instruction, native routine or interrupt delivery. Shared by nested calls. */
    void executeOne(boolean interruptible) {
        if (interruptible && pendingIrqs != 0 && deliverPending()) return;
        long ip = cpu.rip;
        Natives natives = kernel.natives();
        if (natives.contains(ip) && cpu.cpl == 0) {
            natives.routineAt(ip).run(this);
            return;
        }
        boolean checked = fetchCheck;
        if (checked) kernel.prefetch().beforeFetch(this);
        int result = cpu.step();
        if (checked) kernel.prefetch().afterStep(this, result);
        addCycles(cpu.lastCycles());
        instructions++;
        int slot = ringPos++ & (RING - 1);
        ringIp[slot] = ip;
        ringTime[slot] = localTime();
        ringInsn[slot] = cpu.lastInstruction();
        ringTask[slot] = current;
        if (result != Step.OK) {
            kernel.traps().exception(this, result, ip);
        } else if (watches.length != 0) {
            checkWatches();
        }
    }

    /**
     * The host task running here is at a yield point where its step would end with nothing
     * changed but this CPU's time: true when the engine would step this CPU again at once (see
     * {@link io.probesim.sim.Simulation#continueInline}) and that step would only resume the
     * task: no interrupt waiting (a pending one, even masked, takes the slow path), the
     * instruction limit not reached. The step is then counted and the task goes on.
     */
    boolean continueHostInline() {
        return pendingIrqs == 0 && !halted && kernel.instructionsLeft() > 0
                && cpu.cpl == 0 && kernel.natives().contains(cpu.rip)
                && kernel.simulation().continueInline(this);
    }

    /** Takes a pending NMI (unless NMIs are blocked) or interrupt (when IF allows); true if one was taken. */
    private boolean deliverPending() {
        if ((pendingIrqs & NMI_PENDING) != 0 && !cpu.nmiBlocked) {
            halted = false;
            pendingIrqs &= ~NMI_PENDING;
            kernel.nmi().deliver(this);
            return true;
        }
        int irqs = pendingIrqs & ~NMI_PENDING;
        if (irqs != 0 && (cpu.rflags & IF) != 0 && !cpu.interruptShadow()) {
            int irq = Integer.lowestOneBit(irqs);
            halted = false;
            pendingIrqs &= ~irq;
            kernel.traps().interrupt(this, irq);
            return true;
        }
        return false;
    }

    /** An NMI arrives; it waits in the latch while NMIs are blocked. False when one was already waiting (they merge). */
    boolean raiseNmi(long at) {
        boolean merged = (pendingIrqs & NMI_PENDING) != 0;
        pendingIrqs |= NMI_PENDING;
        if (halted) rebase(Math.max(localTime(), at));
        return !merged;
    }

    /** True while an NMI waits in the latch. */
    public boolean nmiPending() {
        return (pendingIrqs & NMI_PENDING) != 0;
    }

    /** A serializing event that is not an executed instruction (the kernel model's iret, sync_core). */
    void serialized() {
        serialPos = ringPos;
    }

    /**
     * True when this CPU may still hold the instruction byte at `addr` from a fetch before now:
     * it lies within `lookahead` bytes from rip (prefetched ahead), or in an instruction executed
     * since the CPU last serialized (the newest entries of the ring back to the last iret or cpuid
     * it executed, or to its last other serializing event).
     */
    boolean mayHold(long addr, int lookahead) {
        long d = addr - cpu.rip;
        if (d >= 0 && d < lookahead) return true;
        int n = Math.min(ringPos - serialPos, RING);
        for (int i = ringPos - 1; i >= ringPos - n; i--) {
            int slot = i & (RING - 1);
            Instruction insn = ringInsn[slot];
            if (insn == null) continue;
            if (insn.mnemonic() == Mnemonic.IRET || insn.mnemonic() == Mnemonic.CPUID) break;
            long ip = ringIp[slot];
            if (addr - ip >= 0 && addr - ip < insn.length()) return true;
        }
        return false;
    }

    /** After an instruction (or a fault fixup) moved rip: calls each handler watching the new rip. */
    void checkWatches() {
        long rip = cpu.rip;
        long[] ws = watches;
        for (int i = 0; i < ws.length; i++) {
            if (ws[i] == rip) watchHandlers[i].accept(rip);
        }
    }

    /** Calls `handler` whenever this CPU arrives at one of `addresses` (probe-transparency checkpoints). */
    public void watch(long[] addresses, java.util.function.LongConsumer handler) {
        watch(SimCpu.class, addresses, handler);
    }

    /**
     * Calls `handler` whenever this CPU arrives at one of `addresses` by executing an instruction
     * or through a fault fixup; replaces what `owner` watched before (an empty array ends it).
     * Owners watch independently. The interpreter's common path pays only while some address is
     * watched, so an invariant that is not checked, or has nothing to watch, costs nothing.
     */
    public void watch(Object owner, long[] addresses, java.util.function.LongConsumer handler) {
        watchList.removeIf(w -> w.owner() == owner);
        if (addresses.length > 0) watchList.add(new Watch(owner, addresses.clone(), handler));
        int n = 0;
        for (Watch w : watchList) n += w.addresses().length;
        long[] ws = new long[n];
        var hs = new java.util.function.LongConsumer[n];
        int i = 0;
        for (Watch w : watchList) {
            for (long a : w.addresses()) {
                ws[i] = a;
                hs[i++] = w.handler();
            }
        }
        watchHandlers = hs;
        watches = ws;
    }

    /**
     * Runs the function at `address` to completion on this CPU from Java (a handler calling
     * kernel code), with interrupts held off, and returns its rax. Traps inside it are
     * handled as usual, which is how a probe hit inside a handler becomes a reentrant hit.
     */
    public long callFunction(long address, long... args) {
        var saved = cpu.save();
        long sentinel = kernel.nestedReturnAddress();
        boolean b64 = cpu.mode() == Mode.BITS64;
        int[] argRegs = b64 ? ARGS_64 : ARGS_32;
        if (args.length > argRegs.length) {
            throw new IllegalArgumentException("callFunction passes at most " + argRegs.length + " arguments in registers, got " + args.length);
        }
        for (int i = 0; i < args.length; i++) cpu.gpr[argRegs[i]] = b64 ? args[i] : args[i] & 0xffffffffL;
        long sp = (cpu.gpr[4] - 64) & ~15L;
        if (b64) {
            sp -= 8;
            kernel.memory().write64(sp, sentinel);
        } else {
            sp -= 4;
            kernel.memory().write32(sp, (int) sentinel);
        }
        cpu.gpr[4] = sp;
        cpu.rip = address;
        cpu.rflags &= ~(IF | TF);
        long steps = 0;
        while (cpu.rip != sentinel) {
            executeOne(false);
            if (++steps > MAX_CALL_STEPS) throw new KernelPanic("call to 0x" + Long.toHexString(address) + " did not return");
        }
        long rax = cpu.gpr[0];
        cpu.load(saved);
        return rax;
    }

    void raiseIrq(int irq, long at) {
        pendingIrqs |= irq;
        if (halted) {
            rebase(Math.max(localTime(), at));
        }
    }

    /** Wakes a halted CPU (a task became runnable on it) no earlier than `at`. */
    void kick(long at) {
        if (halted) {
            halted = false;
            rebase(Math.max(localTime(), at));
        }
    }

    void halt() {
        halted = true;
    }

    public boolean halted() {
        return halted;
    }

    public void addCycles(long cycles) {
        cyclesSinceBase += cycles;
        totalCycles += cycles;
    }

    private void rebase(long time) {
        baseTime = time;
        cyclesSinceBase = 0;
    }

    public Kernel kernel() {
        return kernel;
    }

    public Cpu cpu() {
        return cpu;
    }

    public Task current() {
        return current;
    }

    public boolean needResched() {
        return needResched;
    }

    public long instructions() {
        return instructions;
    }

    public long totalCycles() {
        return totalCycles;
    }

    public int clockMhz() {
        return clockMhz;
    }

    /** The last instructions this CPU executed, oldest first (for violation traces). */
    public java.util.List<ExecutedInstruction> recentInstructions() {
        var out = new java.util.ArrayList<ExecutedInstruction>();
        long n = Math.min(ringPos, RING);
        for (long i = ringPos - n; i < ringPos; i++) {
            int slot = (int) (i & (RING - 1));
            out.add(new ExecutedInstruction(ringTime[slot], ringTask[slot], ringIp[slot], ringInsn[slot]));
        }
        return out;
    }

    /** An entry of the per-CPU ring of executed instructions. */
    public record ExecutedInstruction(long time, Task task, long ip, Instruction instruction) {}
}
