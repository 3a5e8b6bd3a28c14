package io.probesim.probes.optprobes;

import io.probesim.probes.kprobes.Kprobe;
import io.probesim.x86.kernel.HostContext;

/** The arch hooks of the optimizer (arch/x86/kernel/kprobes/opt.c), as the generic part calls them. */
public interface OptprobesArch {

    /**
     * arch_prepare_optimized_kprobe(): can_optimize, copy the region, build the detour buffer
     * calling back with `id`. Throws KprobeException (with the errno and why) when the probe
     * cannot be optimized.
     */
    OptimizedKprobe prepare(HostContext ctx, Kprobe p, int id);

    /** arch_optimize_kprobes(): write the jump to the detour buffer over the region. */
    void optimize(HostContext ctx, OptimizedKprobe op);

    /** arch_unoptimize_kprobe(): put int3 and the saved bytes back over the jump. */
    void unoptimize(HostContext ctx, OptimizedKprobe op);

    /** arch_remove_optimized_kprobe(): release the detour buffer (`dirty`: reused only after a wait). */
    void remove(HostContext ctx, OptimizedKprobe op, boolean dirty);
}
