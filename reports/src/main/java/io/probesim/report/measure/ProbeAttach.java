package io.probesim.report.measure;

import io.probesim.probes.kprobes.Kprobes;
import io.probesim.x86.kernel.HostContext;

/**
 * Puts one timing case's probe on the workload's target (from the measuring host task, before
 * the counted calls). Returns 0 or the kernel's negative errno, as register_kprobe does.
 */
@FunctionalInterface
public interface ProbeAttach {
    int attach(Kprobes core, HostContext ctx, String target);
}
