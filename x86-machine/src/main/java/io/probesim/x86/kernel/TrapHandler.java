package io.probesim.x86.kernel;

/**
 * A subscriber to the breakpoint and debug traps, like a die-notifier in the kernel
 * (kprobes registers one). Return true when the trap was yours and is handled.
 */
public interface TrapHandler {
    boolean onBreakpoint(SimCpu cpu, PtRegs regs);

    boolean onDebug(SimCpu cpu, PtRegs regs);
}
