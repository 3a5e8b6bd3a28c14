package io.probesim.x86.kernel;

import io.probesim.x86.cpu.Cpu;
import io.probesim.x86.cpu.CycleCosts;
import io.probesim.x86.cpu.Step;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.format.AttFormatter;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Interrupt and exception entry and exit (the kernel's entry code plus do_int3, do_debug and
 * the timer interrupt), with the trap notifier chain kprobes subscribes to. Entry pushes an
 * x86-64 interrupt frame on the current stack and runs the Java handler; the CPU then steps
 * the `trap_return` native, which may preempt the task (CONFIG_PREEMPT) before the iret.
 */
public final class Traps {

    private static final long FRAME_BYTES = 40;

    private final Kernel kernel;
    private final List<TrapHandler> handlers = new ArrayList<>();
    private final long trapReturn;

    Traps(Kernel kernel) {
        this.kernel = kernel;
        this.trapReturn = kernel.natives().define("trap_return", this::trapReturn);
    }

    public void register(TrapHandler handler) {
        handlers.add(handler);
    }

    public long trapReturnAddress() {
        return trapReturn;
    }

    /** Hardware interrupt entry: frame, IF off, handler, then trap_return. */
    void interrupt(SimCpu sc, int irq) {
        long frame = pushFrame(sc, sc.cpu().rip);
        sc.addCycles(CycleCosts.TRAP_ENTRY);
        if (irq == SimCpu.SYNC_CORE_IPI) {
            kernel.log(sc.id(), sc.current, "irq", "vector", "sync_core", "ip", hex(kernel.memory().read64(frame)));
            kernel.textPatcher().syncCoreInterrupt(sc);
        } else {
            kernel.log(sc.id(), sc.current, "irq", "vector", "timer", "ip", hex(kernel.memory().read64(frame)));
            kernel.timer().tick(sc);
        }
        sc.cpu().rip = trapReturn;
    }

    /** An exception raised by the instruction at `ip`. */
    void exception(SimCpu sc, int vector, long ip) {
        Cpu cpu = sc.cpu();
        switch (vector) {
            case Step.BP -> {
                long frame = pushFrame(sc, cpu.rip);
                sc.addCycles(CycleCosts.TRAP_ENTRY);
                kernel.log(sc.id(), sc.current, "int3", "ip", hex(ip));
                PtRegs regs = new PtRegs(sc, frame);
                if (!notify(sc, regs, true)) {
                    throw oops(sc, "int3 at 0x" + Long.toHexString(ip) + " that no one handles");
                }
                kernel.log(sc.id(), sc.current, "int3-done", "ip", hex(ip));
                cpu.rip = trapReturn;
            }
            case Step.DB -> {
                long frame = pushFrame(sc, cpu.rip);
                sc.addCycles(CycleCosts.TRAP_ENTRY);
                kernel.log(sc.id(), sc.current, "debug", "ip", hex(cpu.rip));
                PtRegs regs = new PtRegs(sc, frame);
                if (!notify(sc, regs, false)) {
                    throw oops(sc, "unexpected debug trap after 0x" + Long.toHexString(ip));
                }
                cpu.rip = trapReturn;
            }
            case Step.HALT -> sc.halt();
            default -> throw oops(sc, describeFault(sc, vector, ip));
        }
    }

    private boolean notify(SimCpu sc, PtRegs regs, boolean breakpoint) {
        for (TrapHandler h : handlers) {
            if (breakpoint ? h.onBreakpoint(sc, regs) : h.onDebug(sc, regs)) return true;
        }
        return false;
    }

    private String describeFault(SimCpu sc, int vector, long ip) {
        String name = switch (vector) {
            case Step.DE -> "divide error";
            case Step.UD -> "invalid opcode";
            case Step.GP -> "general protection fault";
            case Step.PF -> "page fault at 0x" + Long.toHexString(sc.cpu().faultAddress());
            default -> "exception " + vector;
        };
        return name + " in kernel mode at " + describeInstruction(ip, sc.cpu().lastInstruction());
    }

    /** "0xffffffff81000004 <target+4>: 0f 0b  ud2" — address, bytes and disassembly. */
    public String describeInstruction(long ip, Instruction insn) {
        String where = "0x" + Long.toHexString(ip) + " <" + kernel.symbols().describe(ip) + ">";
        if (insn == null || insn.address() != ip) {
            byte[] raw = kernel.memory().isMapped(ip) ? kernel.memory().read(ip, 4) : new byte[0];
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

    /** The exit path of every trap and interrupt: maybe preempt, then iret. */
    private void trapReturn(SimCpu sc) {
        Task t = sc.current;
        if (t.trapFrames.isEmpty()) throw new KernelPanic("trap_return with no trap frame in " + t);
        long frame = t.trapFrames.get(t.trapFrames.size() - 1);
        long flags = kernel.memory().read64(frame + 16);
        boolean interruptedIrqsOn = (flags & SimCpu.IF) != 0;
        if (sc.needResched && t.preemptCount == 0
                && (t.kind() == Task.Kind.IDLE || (kernel.config().preempt() && interruptedIrqsOn))) {
            kernel.scheduler().schedule(sc, "preempt");
            return;
        }
        Cpu cpu = sc.cpu();
        cpu.rip = kernel.memory().read64(frame);
        cpu.rflags = flags;
        cpu.gpr[4] = kernel.memory().read64(frame + 24);
        t.trapFrames.remove(t.trapFrames.size() - 1);
        // the iret: it unblocks NMIs (any iret does, also inside an NMI handler) and serializes
        cpu.nmiBlocked = false;
        kernel.prefetch().serialize(sc);
        sc.addCycles(CycleCosts.IRET);
    }

    private long pushFrame(SimCpu sc, long ip) {
        Cpu cpu = sc.cpu();
        long oldSp = cpu.gpr[4];
        long sp = (oldSp & ~15L) - FRAME_BYTES;
        var mem = kernel.memory();
        mem.write64(sp, ip);
        mem.write64(sp + 8, Layout.KERNEL_CS);
        mem.write64(sp + 16, cpu.rflags);
        mem.write64(sp + 24, oldSp);
        mem.write64(sp + 32, Layout.KERNEL_SS);
        cpu.gpr[4] = sp;
        cpu.rflags &= ~(SimCpu.IF | SimCpu.TF);
        sc.current.trapFrames.add(sp);
        return sp;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
