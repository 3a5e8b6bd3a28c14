package io.probesim.probes.kprobes;

import io.probesim.x86.kernel.PtRegs;

/** Runs after the probed instruction was single-stepped. */
@FunctionalInterface
public interface PostHandler {
    void handle(Kprobe probe, PtRegs regs, long flags);
}
