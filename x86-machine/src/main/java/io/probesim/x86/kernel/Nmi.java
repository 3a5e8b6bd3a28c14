package io.probesim.x86.kernel;

import io.probesim.sim.ChoiceKind;
import io.probesim.x86.cpu.Cpu;
import io.probesim.x86.cpu.CycleCosts;
import io.probesim.x86.mem.Memory;

/**
 * Non-maskable interrupts and the {@value #FRAME_INTEGRITY} invariant.
 *
 * <p>An NMI source ({@link #raise}, {@link #raiseWithin}) makes an NMI arrive on a CPU at a
 * chosen time. The CPU takes it at its next instruction boundary whatever IF says, unless NMIs
 * are blocked: then it waits in the CPU's one-deep latch (a further NMI merges with it).
 * Delivery blocks NMIs ({@link Cpu#nmiBlocked}) until the next iret, and any iret unblocks them
 * (SDM vol. 3, 6.7.1): the handler's own, but also the iret that ends an int3 (a kprobe hit) or
 * an interrupt taken inside the handler. Seed 001: "int3 inside NMI handler will unblock NMI
 * blocking".
 *
 * <p>As on x86-64 Linux, the NMI runs on its CPU's own interrupt stack (IST): the CPU writes the
 * NMI's frame at the top of that stack whatever rsp was. A second NMI that gets in while one is
 * in progress writes its frame over the first one's, which would then return to the wrong place:
 * that overwrite is a {@value #FRAME_INTEGRITY} violation. Linux's protection against it (since
 * 3.3; S21) is {@link NestingGuard#LINUX}, installed by default; knob noNmiNestingGuard
 * installs {@link NestingGuard#NONE} (a kernel before 3.3).
 *
 * <p>The handler is an x86 function ({@link #setHandler}) entered with the frame just above its
 * return address; it returns with ret to the {@code nmi_return} native, which is the entry
 * code's iret. Without one, a built-in handler that returns at once is used. NMI context raises
 * the task's preempt_count (nmi_enter), so nothing schedules inside it.
 */
public final class Nmi {

    public static final String FRAME_INTEGRITY = "nmi-frame-integrity";
    private static final long FRAME_BYTES = 40;
    private static final int ARRIVAL_STEPS = 16;

    /** How the kernel's NMI entry code treats a nested NMI (S21). */
    @FunctionalInterface
    public interface NestingGuard {
        /** No protection: the nested NMI's frame lands on the frame of the NMI in progress. */
        NestingGuard NONE = (sc, frame) -> false;

        /**
         * An NMI arrives on `sc` while the NMI whose frame is at `frame` is in progress. Return
         * true when the entry code protects that NMI, as Linux's does since 3.3: the nested NMI
         * returns at once and the running handler is repeated when it finishes ("repeat_nmi");
         * the outer frame stays intact. False: the CPU writes the new frame over it.
         */
        boolean onNestedNmi(SimCpu sc, long frame);

        /**
         * Linux's protection (x86-64 entry code since 3.3; S21): an NMI that interrupted kernel
         * code running on this CPU's NMI stack is nested (the kernel checks its "NMI executing"
         * variable and, for the window around it, whether the interrupted rsp lies on the NMI
         * stack; here every context inside an NMI runs on that stack: the handler and the int3
         * or interrupt frames it takes). It then leaves the outer NMI's frame alone, marks the
         * outer NMI to repeat (repeat_nmi) and returns at once. The default of every kernel;
         * knob noNmiNestingGuard installs {@link #NONE}.
         */
        NestingGuard LINUX = (sc, frame) -> {
            Cpu cpu = sc.cpu();
            long rsp = cpu.gpr[Cpu.RSP];
            long top = stackTop(sc.id());
            return cpu.cpl == 0 && rsp >= top - Layout.NMI_STACK_SIZE && rsp <= top;
        };
    }

    private final Kernel kernel;
    private final long nmiReturn;
    private final long builtinHandler;
    private long handler;
    private NestingGuard guard = NestingGuard.LINUX;
    private final int[] depth;
    private final boolean[] repeat;
    private final long[] taken;

    Nmi(Kernel kernel) {
        this.kernel = kernel;
        int n = kernel.config().cpus();
        this.depth = new int[n];
        this.repeat = new boolean[n];
        this.taken = new long[n];
        this.nmiReturn = kernel.natives().define("nmi_return", this::nmiReturn);
        this.builtinHandler = kernel.natives().define("nmi_handler_builtin", sc -> {
            Cpu cpu = sc.cpu();
            cpu.rip = kernel.memory().read64(cpu.gpr[Cpu.RSP]);
            cpu.gpr[Cpu.RSP] += 8;
        });
    }

    /** The x86 function every NMI runs (a symbol's address); 0 for the built-in one that returns at once. */
    public void setHandler(long address) {
        this.handler = address;
    }

    public void setNestingGuard(NestingGuard guard) {
        this.guard = guard == null ? NestingGuard.NONE : guard;
    }

    /** An NMI arrives on `cpu` at simulated time `atPs`. */
    public void raise(int cpu, long atPs) {
        SimCpu sc = kernel.cpu(cpu);
        kernel.simulation().at(atPs, () -> {
            boolean latched = sc.raiseNmi(atPs);
            kernel.log(cpu, sc.current(), "nmi-arrives", "blocked", sc.cpu().nmiBlocked, "merged", !latched);
        });
    }

    /** An NMI arrives on `cpu` somewhere in [fromPs, toPs]; where is a choice (JITTER) the explorer varies. */
    public void raiseWithin(int cpu, long fromPs, long toPs) {
        if (toPs < fromPs) throw new IllegalArgumentException("empty window");
        int k = kernel.simulation().chooser().choose(ChoiceKind.JITTER, ARRIVAL_STEPS + 1);
        raise(cpu, fromPs + (toPs - fromPs) * k / ARRIVAL_STEPS);
    }

    /** NMIs `cpu` has taken so far. */
    public long taken(int cpu) {
        return taken[cpu];
    }

    /** NMIs in progress on `cpu` (more than one only after a nesting). */
    public int depth(int cpu) {
        return depth[cpu];
    }

    /** Top of `cpu`'s NMI stack; the frame of an NMI lies in the 40 bytes below it. */
    public static long stackTop(int cpu) {
        return Layout.NMI_STACKS + (long) cpu * Layout.NMI_STACK_STRIDE + Layout.NMI_STACK_SIZE;
    }

    void mapStacks() {
        for (int c = 0; c < depth.length; c++) {
            kernel.memory().map(stackTop(c) - Layout.NMI_STACK_SIZE, Layout.NMI_STACK_SIZE, Memory.R | Memory.W);
        }
    }

    /** The CPU takes an NMI (SimCpu, at an instruction boundary, NMIs not blocked). */
    void deliver(SimCpu sc) {
        int id = sc.id();
        Cpu cpu = sc.cpu();
        Task t = sc.current;
        Memory mem = kernel.memory();
        cpu.nmiBlocked = true;
        long frame = stackTop(id) - FRAME_BYTES;
        boolean nested = depth[id] > 0;
        if (nested && guard.onNestedNmi(sc, frame)) {
            repeat[id] = true;
            cpu.nmiBlocked = false;                      // the guard's early exit is an iret
            sc.addCycles(CycleCosts.TRAP_ENTRY + CycleCosts.IRET);
            kernel.log(id, t, "nmi", "ip", hex(cpu.rip), "nested", "repeat after the running handler");
            return;
        }
        long outerReturn = nested ? mem.read64(frame) : 0;
        mem.write64(frame, cpu.rip);
        mem.write64(frame + 8, cpu.cs);
        mem.write64(frame + 16, cpu.rflags);
        mem.write64(frame + 24, cpu.gpr[Cpu.RSP]);
        mem.write64(frame + 32, cpu.ss);
        long interrupted = cpu.rip;
        enterHandler(sc, frame);
        t.trapFrames.add(frame);
        t.preemptCount++;                                // nmi_enter
        depth[id]++;
        taken[id]++;
        sc.addCycles(CycleCosts.TRAP_ENTRY);
        kernel.log(id, t, "nmi", "ip", hex(interrupted), "depth", depth[id]);
        if (nested) {
            String what = "a nested NMI on cpu " + id + " wrote its frame over the frame of the NMI in progress at 0x"
                    + Long.toHexString(frame) + ": that NMI would return to " + describe(interrupted)
                    + " (inside its own handler) instead of " + describe(outerReturn);
            kernel.log(id, t, "nmi-frame-overwritten", "what", what);
            kernel.violations().report(FRAME_INTEGRITY, what, id);
        }
    }

    /** Calls the handler with its return address (nmi_return) just below the frame. */
    private void enterHandler(SimCpu sc, long frame) {
        Cpu cpu = sc.cpu();
        kernel.memory().write64(frame - 8, nmiReturn);
        cpu.gpr[Cpu.RSP] = frame - 8;
        cpu.rflags &= ~(SimCpu.IF | SimCpu.TF);
        cpu.cs = (int) Layout.KERNEL_CS;
        cpu.ss = (int) Layout.KERNEL_SS;
        cpu.cpl = 0;
        cpu.rip = handler != 0 ? handler : builtinHandler;
    }

    /** The NMI entry code's exit: repeat the handler if a nested NMI asked for it, else iret. */
    private void nmiReturn(SimCpu sc) {
        int id = sc.id();
        Task t = sc.current;
        Cpu cpu = sc.cpu();
        Memory mem = kernel.memory();
        if (t.trapFrames.isEmpty() || depth[id] == 0) throw new KernelPanic("nmi_return with no NMI in progress on cpu " + id);
        long frame = t.trapFrames.get(t.trapFrames.size() - 1);
        if (repeat[id]) {
            repeat[id] = false;
            kernel.log(id, t, "nmi-repeat");
            enterHandler(sc, frame);
            return;
        }
        t.trapFrames.remove(t.trapFrames.size() - 1);
        cpu.rip = mem.read64(frame);
        cpu.cs = (int) mem.read64(frame + 8);
        cpu.rflags = mem.read64(frame + 16) | 0x2;
        cpu.gpr[Cpu.RSP] = mem.read64(frame + 24);
        cpu.ss = (int) mem.read64(frame + 32);
        cpu.cpl = cpu.cs & 3;
        cpu.nmiBlocked = false;                          // the iret
        t.preemptCount--;                                // nmi_exit
        depth[id]--;
        kernel.prefetch().serialize(sc);
        sc.addCycles(CycleCosts.IRET);
        kernel.log(id, t, "nmi-return", "ip", hex(cpu.rip));
    }

    private String describe(long ip) {
        return "0x" + Long.toHexString(ip) + " <" + kernel.symbols().describe(ip) + ">";
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
