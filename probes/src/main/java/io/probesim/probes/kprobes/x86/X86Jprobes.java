package io.probesim.probes.kprobes.x86;

import io.probesim.probes.kprobes.Jprobe;
import io.probesim.probes.kprobes.Jprobes;
import io.probesim.probes.kprobes.JprobesArch;
import io.probesim.x86.cpu.Cpu;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.PtRegs;
import io.probesim.x86.kernel.SimCpu;
import io.probesim.x86.kernel.Task;

/**
 * The x86 half of jprobes (arch/x86/kernel/kprobes, until v4.15). The pre handler is a setjmp:
 * it saves the registers and the top of the stack (the mirror may scribble on its arguments
 * there), turns interrupts off and enters the mirror. The mirror's jprobe_return puts the saved
 * sp back and executes int3; the break handler is the longjmp: same int3 address, same sp,
 * registers and stack restored, then the probed instruction is stepped (or boosted) by the core.
 *
 * <p>On i386 the same code works unchanged: the kernel-mode trap frame has no sp, so regs' sp is
 * the frame's end (the probed function's stack: return address, then stack arguments), which is
 * where the mirror runs and what jprobe_return puts back. The mirror has the probed function's
 * prototype, so the kernel's regparm(3) convention hands it the same eax, edx, ecx [?].
 */
public final class X86Jprobes implements JprobesArch {

    static final String NATIVE = "jprobe_return";
    /** MAX_STACK_SIZE: the most of the probed function's stack the pre handler saves. */
    static final int MAX_STACK_SIZE = 64;
    private static final int STUB = 16;

    private final Kernel kernel;
    private final long jprobeReturn;
    /** The per-CPU parts of kprobe_ctlblk: jprobe_saved_regs, jprobe_saved_sp, jprobes_stack. */
    private final Saved[] saved;

    private static final class Saved {
        final long[] gpr = new long[16];
        long flags, ip, sp;
        byte[] stack = new byte[0];
    }

    public X86Jprobes(Jprobes jprobes) {
        this.kernel = jprobes.kernel();
        this.saved = new Saved[kernel.cpuCount()];
        for (int i = 0; i < saved.length; i++) saved[i] = new Saved();
        // jprobe_return: "xchg %rbx, %rsp; int3" — the saved sp, then the stub's own int3 byte.
        this.jprobeReturn = kernel.natives().define(NATIVE, sc -> {
            sc.cpu().gpr[4] = saved[sc.id()].sp;
            sc.cpu().rip = kernel.natives().symbols().get(NATIVE) + 1;
            sc.addCycles(Costs.JPROBE_RETURN);
        });
    }

    /** MIN_STACK_SIZE(addr): 64 bytes, or fewer up to the top of the task's stack. */
    static int minStackSize(Task task, long sp) {
        return (int) Math.max(0, Math.min(MAX_STACK_SIZE, task.stackTop() - sp));
    }

    @Override
    public int setjmpPreHandler(Jprobe jp, PtRegs regs) {
        SimCpu sc = regs.getCpu();
        Saved s = saved[sc.id()];
        for (int i = 0; i < 16; i++) s.gpr[i] = regs.gpr(i);
        s.flags = regs.getFlags();
        s.ip = regs.getIp();
        s.sp = regs.getSp();
        s.stack = kernel.memory().read(s.sp, minStackSize(sc.current(), s.sp));
        regs.setFlags(regs.getFlags() & ~SimCpu.IF);
        regs.setIp(jp.entry());
        sc.addCycles(Costs.SETJMP);
        kernel.log(sc.id(), sc.current(), "jprobe-setjmp", "probe", jp.kprobe().name(), "sp", hex(s.sp),
                "stack", s.stack.length, "entry", hex(jp.entry()));
        return 1;
    }

    @Override
    public int longjmpBreakHandler(Jprobe jp, PtRegs regs) {
        SimCpu sc = regs.getCpu();
        long addr = regs.getIp() - 1;
        if (addr < jprobeReturn || addr >= jprobeReturn + STUB) return 0;
        Saved s = saved[sc.id()];
        if (regs.getSp() != s.sp) {
            throw kernel.traps().panic(sc, "jprobe_return: current sp " + hex(regs.getSp()) + " does not match saved sp "
                    + hex(s.sp) + " (" + jp + ")");
        }
        for (int i = 0; i < 16; i++) if (i != 4) regs.setGpr(i, s.gpr[i]);
        regs.setFlags(s.flags);
        regs.setIp(s.ip);
        kernel.memory().write(s.sp, s.stack);
        sc.current().preemptEnableNoResched();
        sc.addCycles(Costs.LONGJMP);
        kernel.log(sc.id(), sc.current(), "jprobe-longjmp", "probe", jp.kprobe().name(), "sp", hex(s.sp));
        return 1;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    /** Cycles of the handlers' own work: copying the registers and the 64 stack bytes [?]. */
    static final class Costs {
        private Costs() {}

        static final long SETJMP = 60;
        static final long LONGJMP = 60;
        static final long JPROBE_RETURN = 2;
    }
}
