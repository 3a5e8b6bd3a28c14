package io.probesim.probes.kprobes;

import io.probesim.x86.kernel.HostContext;
import io.probesim.x86.kernel.SymbolTable;

/**
 * The arch hooks the generic core calls, as in kernel/kprobes.c: prepare, arm, disarm,
 * remove. The arch layer also owns the trap handlers that make a probe hit work.
 */
public interface KprobesArch {

    /** The x86 check that `addr` starts an instruction of `function` (EILSEQ otherwise). */
    void checkInstructionBoundary(long addr, SymbolTable.Symbol function);

    /** arch_prepare_kprobe(): copy the probed instruction into a slot, decide boostability. */
    void prepare(HostContext ctx, Kprobe p);

    /** arch_arm_kprobe(): write int3 over the first byte. */
    void arm(HostContext ctx, Kprobe p);

    /** arch_disarm_kprobe(): write the saved byte back. */
    void disarm(HostContext ctx, Kprobe p);

    /** arch_remove_kprobe(): release the instruction slot. */
    void remove(HostContext ctx, Kprobe p);
}
