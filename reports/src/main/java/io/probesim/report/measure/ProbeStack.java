package io.probesim.report.measure;

import io.probesim.probes.kprobes.Kprobes;
import io.probesim.probes.kprobes.Kretprobes;
import io.probesim.probes.optprobes.Optprobes;
import io.probesim.x86.kernel.Kernel;

/**
 * The probe mechanisms built on a measuring machine, as the case asked for them (built before
 * boot, like the kernel's init calls): the kprobes core always; the optimizer when the case
 * optimizes (otherwise every probe would be queued for optimization, as with CONFIG_OPTPROBES);
 * kretprobes with the case's trampoline.
 *
 * @param optprobes  null unless the case optimizes
 * @param kretprobes null unless the case is a kretprobe
 */
public record ProbeStack(Kernel kernel, Kprobes kprobes, Optprobes optprobes, Kretprobes kretprobes) {}
