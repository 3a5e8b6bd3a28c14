package io.probesim.probes.kprobes;

import io.probesim.x86.kernel.PtRegs;

/** The arch half of jprobes: setjmp_pre_handler and longjmp_break_handler. */
public interface JprobesArch {
    /** Saves registers and stack, enters the mirror; returns 1 (ip changed, stay current). */
    int setjmpPreHandler(Jprobe jp, PtRegs regs);

    /** jprobe_return's int3: checks and restores; 1 = handled, step the probed instruction. */
    int longjmpBreakHandler(Jprobe jp, PtRegs regs);
}
