package io.probesim.probes.kprobes;

import io.probesim.x86.kernel.HostContext;
import io.probesim.x86.kernel.PtRegs;

/** The arch hooks of kretprobes: the trampoline and the return-address hijack. */
public interface KretprobesArch {

    /** Makes the trampoline exist (once, at the first registration); returns its address. */
    long setUpTrampoline(HostContext ctx);

    /** The trampoline's address, or 0 before {@link #setUpTrampoline}. */
    long trampoline();

    /**
     * arch_prepare_kretprobe(): at the function's entry (`regs` of the entry hit), save the
     * return address into `ri` and replace it on the stack with the trampoline's address.
     */
    void prepare(KretprobeInstance ri, PtRegs regs);
}
