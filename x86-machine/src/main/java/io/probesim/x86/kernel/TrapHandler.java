package io.probesim.x86.kernel;

/**
 * A subscriber to the breakpoint and debug traps, like a die-notifier in the kernel
 * (kprobes registers one). Return true when the trap was yours and is handled.
 */
public interface TrapHandler {
    boolean onBreakpoint(SimCpu cpu, PtRegs regs);

    boolean onDebug(SimCpu cpu, PtRegs regs);

    /**
     * A kernel-mode fault (#PF, #GP, ...) at `ip`, before the exception table is searched: return
     * the address the fault is to be treated as raised at (kprobes: a fault while single-stepping
     * a copy belongs to the probed instruction, kprobe_fault_handler), or `ip` when it is not yours.
     */
    default long onFault(SimCpu cpu, int vector, long ip) {
        return ip;
    }
}
