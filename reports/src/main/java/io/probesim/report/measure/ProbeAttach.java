package io.probesim.report.measure;

import io.probesim.x86.kernel.HostContext;

/**
 * Puts one timing case's probe on the workload's target (from the measuring host task, before
 * the counted calls). Returns 0 or the kernel's negative errno, as register_kprobe does; a
 * KprobeException is a refusal too.
 */
@FunctionalInterface
public interface ProbeAttach {
    int attach(ProbeStack probes, HostContext ctx, String target);
}
