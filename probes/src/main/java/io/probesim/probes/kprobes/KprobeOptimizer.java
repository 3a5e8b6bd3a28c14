package io.probesim.probes.kprobes;

import io.probesim.x86.kernel.HostContext;

/**
 * The jump optimizer as the generic core sees it (kernel/kprobes.c's CONFIG_OPTPROBES hooks).
 * Every hook has a do-nothing default, and {@link #NONE} is the era without optprobes: a
 * disabled feature is a null implementation, not scattered `if`s.
 */
public interface KprobeOptimizer {

    KprobeOptimizer NONE = new KprobeOptimizer() {};

    /** try_to_optimize_kprobe(): after `p` is registered and armed, kprobe mutex held. */
    default void tryToOptimize(HostContext ctx, Kprobe p) {}

    /**
     * A probe is about to be armed at `addr` (mutex held): an optimized probe whose region
     * covers `addr` (bytes 1..len-1) falls back to int3 at once (__arm_kprobe's force unoptimize).
     */
    default void beforeArmAt(HostContext ctx, long addr) {}

    /** A probe joined the aggregator `ap` (mutex held): one with a post handler cannot stay optimized. */
    default void aggregated(HostContext ctx, Kprobe ap) {}

    /** unregister, mutex held, before the int3 is disarmed: remove the jump first. */
    default void beforeDisarm(HostContext ctx, Kprobe p) {}

    /** unregister, after its wait: release the detour buffer. */
    default void afterUnregister(HostContext ctx, Kprobe p) {}

    /**
     * For the int3 handler: where a hit of a probe flagged OPTIMIZED continues (the copied
     * instructions in its detour buffer): before its jump is written, or while unoptimizing has
     * written the int3 but not yet the saved bytes. 0 for a single-step.
     */
    default long detourCopy(long addr) { return 0; }

    /** Puts back the original bytes of optimized regions inside `code` (read from `start`), for decoding. */
    default void recoverBytes(long start, byte[] code) {}
}
