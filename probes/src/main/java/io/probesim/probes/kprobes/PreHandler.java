package io.probesim.probes.kprobes;

import io.probesim.x86.kernel.PtRegs;

/** Runs before the probed instruction; non-zero means "I changed ip": no single-step, no post handler. */
@FunctionalInterface
public interface PreHandler {
    int handle(Kprobe probe, PtRegs regs);
}
