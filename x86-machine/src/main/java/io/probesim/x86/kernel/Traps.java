package io.probesim.x86.kernel;

import io.probesim.x86.cpu.Cpu;
import io.probesim.x86.cost.Cost;
import io.probesim.x86.cpu.Step;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.format.AttFormatter;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Interrupt and exception entry and exit (the kernel's entry code plus do_int3, do_debug and
 * the timer interrupt), with the trap notifier chain kprobes subscribes to. Entry pushes an
 * interrupt frame (ip, cs, flags, sp, ss; 8 bytes each) on the current stack, or on the task's
 * kernel stack when it comes from user mode, and runs the Java handler (a 32-bit machine pushes
 * the i386 frame instead: see {@link TrapFrame}); the CPU then steps the
 * `trap_return` native, which may preempt the task (CONFIG_PREEMPT, or always on the way back
 * to user mode) before the iret.
 *
 * <p>Faults: a kernel-mode #PF or #GP at an instruction with an exception table entry resumes at
 * its fixup (fixup_exception); any other kernel-mode fault is an oops (`no-oops`). A fault in
 * user mode kills the task with a message naming the fault and the instruction: signals are not
 * modelled yet, so what would be SIGSEGV, SIGILL, SIGFPE or SIGTRAP ends the process. System
 * calls (`syscall`, `int $0x80`) go to {@link Syscalls}.
 */
public final class Traps {

    private static final long FRAME_BYTES = 40;

    private final Kernel kernel;
    private final List<TrapHandler> handlers = new ArrayList<>();
    private final long trapReturn;
    private final long doInt3;

    Traps(Kernel kernel) {
        this.kernel = kernel;
        this.trapReturn = kernel.natives().define("trap_return", this::trapReturn);
        this.doInt3 = kernel.natives().define("do_int3", this::doInt3);
    }

    public void register(TrapHandler handler) {
        handlers.add(handler);
    }

    public long trapReturnAddress() {
        return trapReturn;
    }

    /** The do_int3 native: a CPU whose ip is here has taken an int3 whose handlers have not run yet. */
    public long doInt3Address() {
        return doInt3;
    }

    /** Hardware interrupt entry: frame, IF off, handler, then trap_return. */
    void interrupt(SimCpu sc, int irq) {
        long frame = pushFrame(sc, sc.cpu().rip);
        sc.addCycles(kernel.cost(Cost.TRAP_ENTRY));
        if (irq == SimCpu.SYNC_CORE_IPI) {
            kernel.log(sc.id(), sc.current, "irq", "vector", "sync_core", "ip", hex(frameIp(frame)));
            kernel.textPatcher().syncCoreInterrupt(sc);
        } else if (irq == SimCpu.RESCHED_IPI) {
            // scheduler_ipi: nothing but need_resched, acted on by trap_return below
            kernel.log(sc.id(), sc.current, "irq", "vector", "resched", "ip", hex(frameIp(frame)));
        } else {
            kernel.log(sc.id(), sc.current, "irq", "vector", "timer", "ip", hex(frameIp(frame)));
            // the scheduler tick seeing user mode is an RCU-tasks quiescent state (rcu_check_callbacks' user case)
            if ((kernel.memory().load(frame + kernel.wordBytes(), kernel.wordBytes()) & 3) == 3) kernel.rcu().noteTasksQs(sc.current);
            kernel.timer().tick(sc);
        }
        sc.cpu().rip = trapReturn;
    }

    /** An exception raised by the instruction at `ip`. */
    void exception(SimCpu sc, int vector, long ip) {
        Cpu cpu = sc.cpu();
        if (cpu.cpl == 3) {
            userException(sc, vector, ip);
            return;
        }
        switch (vector) {
            case Step.BP -> {
                // The hardware part only: frame, cost, IF off (interrupt gate). do_int3 is this
                // CPU's next step, so another CPU may act between the trap and the handlers'
                // lookup (S20: a probe unregistered after its int3 was taken).
                pushFrame(sc, cpu.rip, kernelInt3Gap);
                sc.addCycles(kernel.cost(Cost.TRAP_ENTRY));
                kernel.log(sc.id(), sc.current, "int3", "ip", hex(ip));
                cpu.rip = doInt3;
            }
            case Step.DB -> {
                // Not split like int3: the debug handlers read only this CPU's state (its
                // current_kprobe and the slot it steps), which no other CPU changes while this
                // one, interrupts and preemption off, has not passed a quiescent state.
                long frame = pushFrame(sc, cpu.rip);
                sc.addCycles(kernel.cost(Cost.DEBUG_TRAP_ENTRY));
                kernel.log(sc.id(), sc.current, "debug", "ip", hex(cpu.rip));
                PtRegs regs = new PtRegs(sc, frame);
                if (!notify(sc, regs, false)) {
                    throw oops(sc, "unexpected debug trap after 0x" + Long.toHexString(ip));
                }
                cpu.rip = trapReturn;
            }
            case Step.HALT -> sc.halt();
            case Step.SYSCALL -> kernel.syscalls().enter(sc, Syscalls.Abi.X86_64);
            case Step.INT -> throw oops(sc, "int $0x" + Integer.toHexString(cpu.softwareVector()) + " in kernel mode at "
                    + describeInstruction(ip, cpu.lastInstruction()) + " (not modelled)");
            default -> {
                long at = notifyFault(sc, vector, ip);
                if ((vector == Step.PF || vector == Step.GP) && fixup(sc, vector, at)) return;
                throw oops(sc, describeFault(sc, vector, at, false));
            }
        }
    }

    /**
     * do_int3, the step after a kernel-mode int3's entry: poke_int3_handler first (a hit on
     * text_poke_bp's temporary int3), then the notifier chain (kprobes); unclaimed is an oops.
     */
    private void doInt3(SimCpu sc) {
        List<Long> frames = sc.current.trapFrames;
        long frame = frames.get(frames.size() - 1);
        long ip = frameIp(frame) - 1;   // int3 is one byte; the frame holds the ip after it
        PtRegs regs = new PtRegs(sc, frame);
        if (!kernel.textPatcher().pokeInt3Handler(sc, regs) && !notify(sc, regs, true)) {
            throw oops(sc, "int3 at 0x" + Long.toHexString(ip) + " that no one handles");
        }
        kernel.log(sc.id(), sc.current, "int3-done", "ip", hex(ip));
        sc.cpu().rip = trapReturn;
    }

    /** An exception of a CPU at CPL 3: a system call, or a fault that kills the process. */
    private void userException(SimCpu sc, int vector, long ip) {
        Cpu cpu = sc.cpu();
        switch (vector) {
            case Step.SYSCALL -> kernel.syscalls().enter(sc, Syscalls.Abi.X86_64);
            case Step.INT -> {
                int v = cpu.softwareVector();
                if (v == 0x80) {
                    kernel.syscalls().enter(sc, Syscalls.Abi.I386);
                } else if (v == 3) {
                    killUser(sc, "int $3 at " + describeUser(sc, ip) + " (SIGTRAP)");
                } else {
                    killUser(sc, "general protection fault: int $0x" + Integer.toHexString(v)
                            + " through a gate user mode may not use, at " + describeUser(sc, ip) + " (SIGSEGV)");
                }
            }
            // uprobes will hook the user-mode int3 and single-step traps here; until then they end the process
            case Step.BP -> killUser(sc, "int3 at " + describeUser(sc, ip) + " (SIGTRAP)");
            case Step.DB -> killUser(sc, "single-step trap after " + describeUser(sc, ip) + " (SIGTRAP)");
            default -> killUser(sc, describeFault(sc, vector, ip, true) + " (" + signalOf(vector) + ")");
        }
    }

    private static String signalOf(int vector) {
        return switch (vector) {
            case Step.DE -> "SIGFPE";
            case Step.UD -> "SIGILL";
            default -> "SIGSEGV";
        };
    }

    /**
     * fixup_exception: a kernel-mode fault at an instruction the exception table lists resumes
     * at its fixup. Types 0 (the relative-entry default), 1 (EX_TYPE_DEFAULT) and 3
     * (EX_TYPE_UACCESS) just resume there; 2 (EX_TYPE_FAULT) also puts the trap number in ax.
     * Other types are not modelled: the fault stays an oops, named so.
     */
    private boolean fixup(SimCpu sc, int vector, long ip) {
        var entry = kernel.exceptionTable().search(ip);
        if (entry.isEmpty()) return false;
        var e = entry.get();
        int type = e.type() & 0xff;
        if (type != 0 && type != 1 && type != 2 && type != 3) {
            throw oops(sc, describeFault(sc, vector, ip, false) + " (its exception table entry has type " + type + ", not modelled)");
        }
        Cpu cpu = sc.cpu();
        sc.addCycles(kernel.cost(Cost.TRAP_ENTRY) + CostTable.EXTABLE_FIXUP + kernel.cost(Cost.IRET));
        kernel.log(sc.id(), sc.current, "fixup", "ip", hex(ip), "fixup", hex(e.fixup()),
                "fault", vector == Step.PF ? hex(cpu.faultAddress()) : "#GP");
        if (type == 2) cpu.gpr[0] = vector;
        cpu.rip = e.fixup();
        sc.checkWatches();   // a fixup is an arrival like a branch (no-jump-into-region)
        return true;
    }

    /** Ends the current user task: what a fatal signal would do. */
    private void killUser(SimCpu sc, String why) {
        Task t = sc.current;
        String message = "task " + t.name() + " (pid " + t.pid() + ") killed: " + why + "; signals are not modelled yet";
        t.killedBy = message;
        t.state = TaskState.DEAD;
        t.trapFrames.clear();
        kernel.log(sc.id(), t, "killed", "why", why);
        kernel.notifyExit(t);
        kernel.scheduler().schedule(sc, "killed");
        if (t.addressSpace != null) t.addressSpace.release();
    }

    private String describeUser(SimCpu sc, long ip) {
        return describeInstruction(ip, sc.cpu().lastInstruction(), sc.current.userSymbols, sc.cpu().memory());
    }

    /** Lets the trap handlers claim a kernel fault (see {@link TrapHandler#onFault}); the address it counts as raised at. */
    private long notifyFault(SimCpu sc, int vector, long ip) {
        for (TrapHandler h : handlers) {
            long at = h.onFault(sc, vector, ip);
            if (at != ip) return at;
        }
        return ip;
    }

    private boolean notify(SimCpu sc, PtRegs regs, boolean breakpoint) {
        for (TrapHandler h : handlers) {
            if (breakpoint ? h.onBreakpoint(sc, regs) : h.onDebug(sc, regs)) return true;
        }
        return false;
    }

    private String describeFault(SimCpu sc, int vector, long ip, boolean user) {
        Cpu cpu = sc.cpu();
        String name = switch (vector) {
            case Step.DE -> "divide error";
            case Step.UD -> "invalid opcode";
            case Step.GP -> "general protection fault";
            case Step.SS -> "stack segment fault";
            case Step.PF -> "page fault at 0x" + Long.toHexString(cpu.faultAddress()) + " ("
                    + ((cpu.errorCode() & 16) != 0 ? "fetch" : (cpu.errorCode() & 2) != 0 ? "write" : "read") + ", "
                    + ((cpu.errorCode() & 1) != 0 ? "protection" : "not mapped") + ")";
            default -> "exception " + vector;
        };
        return name + (user ? " in user mode at " + describeUser(sc, ip) : " in kernel mode at " + describeInstruction(ip, cpu.lastInstruction()));
    }

    /** "0xffffffff81000004 <target+4>: 0f 0b  ud2" — address, bytes and disassembly. */
    public String describeInstruction(long ip, Instruction insn) {
        return describeInstruction(ip, insn, null, kernel.memory());
    }

    private String describeInstruction(long ip, Instruction insn, SymbolTable programSymbols, io.probesim.x86.mem.Memory mem) {
        SymbolTable names = programSymbols != null && programSymbols.containing(ip).isPresent() ? programSymbols : kernel.symbols();
        String where = "0x" + Long.toHexString(ip) + " <" + names.describe(ip) + ">";
        if (insn == null || insn.address() != ip) {
            byte[] raw = mem.probe(ip, false, false) == null ? readSome(mem, ip) : new byte[0];
            return where + ": " + HexFormat.ofDelimiter(" ").formatHex(raw) + " (undecodable)";
        }
        return where + ": " + HexFormat.ofDelimiter(" ").formatHex(insn.bytes()) + "  " + AttFormatter.format(insn).trim();
    }

    /** BUG(): the kernel cannot go on in this context. Reports no-oops and unwinds. */
    public KernelPanic panic(SimCpu sc, String what) {
        throw oops(sc, what);
    }

    private KernelPanic oops(SimCpu sc, String what) {
        kernel.log(sc.id(), sc.current, "oops", "what", what);
        kernel.violations().report("no-oops", "kernel oops on cpu " + sc.id() + " in task " + sc.current + ": " + what, sc.id());
        return new KernelPanic(what);
    }

    /** After an oops the task is dead, as do_exit after die() would leave it. */
    void killCurrent(SimCpu sc, String why) {
        Task t = sc.current;
        t.state = TaskState.DEAD;
        t.trapFrames.clear();
        kernel.log(sc.id(), t, "killed", "why", why);
        if (t.carrier != null) kernel.abortLater(t);
        kernel.scheduler().schedule(sc, "oops");
    }

    /** Bytes left free below the interrupted sp by a kernel-mode int3 (0: none). */
    private long kernelInt3Gap;

    /**
     * Since v5.2 the int3 entry from kernel mode leaves a 6-word gap between the interrupted
     * stack and its frame, so an int3 handler can emulate a push or a call there [?: entry_64.S
     * create_gap, from memory]. Off (0) unless an emulating int3 handler asks for it.
     */
    public void setKernelInt3Gap(long bytes) {
        kernelInt3Gap = bytes;
    }

    /** The exit path of every trap and interrupt: maybe preempt, then iret. */
    private void trapReturn(SimCpu sc) {
        Task t = sc.current;
        if (t.trapFrames.isEmpty()) throw new KernelPanic("trap_return with no trap frame in " + t);
        long frame = t.trapFrames.get(t.trapFrames.size() - 1);
        var mem = kernel.memory();
        int w = kernel.wordBytes();
        long flags = mem.load(frame + 2L * w, w);
        int cs = (int) mem.load(frame + w, w);
        boolean toUser = (cs & 3) == 3;
        boolean interruptedIrqsOn = (flags & SimCpu.IF) != 0;
        if (sc.needResched && t.preemptCount == 0
                && (toUser || t.kind() == Task.Kind.IDLE || (kernel.config().preempt() && interruptedIrqsOn))) {
            if (toUser) kernel.rcu().noteTasksQs(t);       // on its way back to user mode: no kernel text held
            kernel.scheduler().schedule(sc, "preempt");
            return;
        }
        Cpu cpu = sc.cpu();
        cpu.rip = mem.load(frame, w);
        cpu.rflags = flags;
        if (w == 4 && !toUser) {
            // i386 iret to the same privilege pops only eip, cs, eflags: sp is just above the frame
            cpu.gpr[4] = frame + TrapFrame.I386_KERNEL_BYTES;
            setPrivilege(cpu, 0, cs, cpu.ss);
        } else {
            cpu.gpr[4] = mem.load(frame + 3L * w, w);
            setPrivilege(cpu, cs & 3, cs, (int) mem.load(frame + 4L * w, w));
        }
        t.trapFrames.remove(t.trapFrames.size() - 1);
        // the iret: it unblocks NMIs (any iret does, also inside an NMI handler) and serializes
        cpu.nmiBlocked = false;
        kernel.prefetch().serialize(sc);
        sc.addCycles(kernel.cost(Cost.IRET));
    }

    private long frameIp(long frame) {
        return kernel.memory().load(frame, kernel.wordBytes());
    }

    private long pushFrame(SimCpu sc, long ip) {
        return pushFrame(sc, ip, 0);
    }

    private long pushFrame(SimCpu sc, long ip, long kernelGap) {
        // the int3 gap is an x86-64 entry feature (entry_64.S); i386 frames get none here
        if (kernel.wordBytes() == 4) return pushFrame32(sc, ip);
        Cpu cpu = sc.cpu();
        boolean fromUser = cpu.cpl == 3;
        long oldSp = cpu.gpr[4];
        long top = fromUser ? sc.current.stackTop() : oldSp - kernelGap;     // from user mode: the task's kernel stack (TSS sp0)
        long sp = (top & ~15L) - FRAME_BYTES;
        var mem = kernel.memory();
        mem.write64(sp, ip);
        mem.write64(sp + 8, fromUser ? cpu.cs : Layout.KERNEL_CS);
        mem.write64(sp + 16, cpu.rflags);
        mem.write64(sp + 24, oldSp);
        mem.write64(sp + 32, fromUser ? cpu.ss : Layout.KERNEL_SS);
        cpu.gpr[4] = sp;
        cpu.rflags &= ~(SimCpu.IF | SimCpu.TF);
        if (fromUser) setPrivilege(cpu, 0, (int) Layout.KERNEL_CS, (int) Layout.KERNEL_SS);
        sc.current.trapFrames.add(sp);
        return sp;
    }

    /**
     * The i386 entry: eflags, cs, eip (4 bytes each) on the current stack for a trap in kernel
     * mode, with ss and esp above them only when the CPU switched stacks (from user mode, to
     * the TSS's esp0). No alignment: i386 does not align the stack on entry.
     */
    private long pushFrame32(SimCpu sc, long ip) {
        Cpu cpu = sc.cpu();
        boolean fromUser = cpu.cpl == 3;
        long oldSp = cpu.gpr[4];
        var mem = kernel.memory();
        long sp;
        if (fromUser) {
            sp = sc.current.stackTop() - TrapFrame.I386_USER_BYTES;
            mem.write32(sp + 12, (int) oldSp);
            mem.write32(sp + 16, cpu.ss);
        } else {
            sp = oldSp - TrapFrame.I386_KERNEL_BYTES;
        }
        mem.write32(sp, (int) ip);
        mem.write32(sp + 4, fromUser ? cpu.cs : (int) Layout.KERNEL_CS);
        mem.write32(sp + 8, (int) cpu.rflags);
        cpu.gpr[4] = sp;
        cpu.rflags &= ~(SimCpu.IF | SimCpu.TF);
        if (fromUser) setPrivilege(cpu, 0, (int) Layout.KERNEL_CS, (int) Layout.KERNEL_SS);
        sc.current.trapFrames.add(sp);
        return sp;
    }

    /** CPL and selectors after an entry or a return. */
    private static void setPrivilege(Cpu cpu, int cpl, int cs, int ss) {
        cpu.cpl = cpl;
        cpu.cs = cs;
        cpu.ss = ss;
    }

    private static byte[] readSome(io.probesim.x86.mem.Memory mem, long ip) {
        int n = 0;
        while (n < 4 && mem.probe(ip + n, false, false) == null) n++;
        return mem.read(ip, n);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
