package io.probesim.report.measure;

import io.probesim.probes.Era;
import io.probesim.probes.kprobes.x86.X86Kretprobes;
import io.probesim.x86.decode.Mode;

/**
 * One row of a timing report to measure: which mechanism and variant, on which machine.
 *
 * @param mechanism  kprobe, kretprobe, jprobe, ...
 * @param variant    the seed table's row name (plain, booster, optimized, post-handler, ...)
 * @param era        the probe era to run
 * @param mode       64-bit or 32-bit machine
 * @param preempt    CONFIG_PREEMPT: how a variant switches the booster off where the era's kernel
 *                   did (2010 and later do not boost on a preemptible kernel)
 * @param optimize   build the optimizer (the attach then optimizes and waits for the jump)
 * @param trampoline the kretprobe trampoline to build, or null for no kretprobes
 * @param attach     registers the probe
 */
public record TimingCase(String mechanism, String variant, Era era, Mode mode, boolean preempt, boolean optimize,
                         X86Kretprobes.Trampoline trampoline, ProbeAttach attach) {

    /** A case with neither optimizer nor kretprobes. */
    public TimingCase(String mechanism, String variant, Era era, Mode mode, boolean preempt, ProbeAttach attach) {
        this(mechanism, variant, era, mode, preempt, false, null, attach);
    }

    public String arch() {
        return Workload.arch(mode);
    }

    /** "kprobe/booster x86-64 2010": how the report names the row. */
    public String label() {
        return mechanism + "/" + variant + " " + arch() + " " + era.dslName();
    }
}
