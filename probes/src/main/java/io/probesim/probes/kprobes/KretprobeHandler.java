package io.probesim.probes.kprobes;

import io.probesim.x86.kernel.PtRegs;

/**
 * A kretprobe's entry or return handler. An entry handler returning non-zero skips this call:
 * no instance is used and no return handler runs for it (kernel/kprobes.c since 2.6.25).
 */
@FunctionalInterface
public interface KretprobeHandler {
    int handle(KretprobeInstance ri, PtRegs regs);
}
