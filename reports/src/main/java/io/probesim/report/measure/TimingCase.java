package io.probesim.report.measure;

import io.probesim.probes.Era;
import io.probesim.x86.decode.Mode;

/**
 * One row of a timing report to measure: which mechanism and variant, on which machine.
 *
 * @param mechanism kprobe, kretprobe, jprobe, ...
 * @param variant   the seed table's row name (plain, booster, optimized, post-handler, ...)
 * @param era       the probe era to run
 * @param mode      64-bit or 32-bit machine
 * @param preempt   CONFIG_PREEMPT: how a variant switches the booster off where the era's kernel
 *                  did (2010 and later do not boost on a preemptible kernel)
 * @param attach    registers the probe
 */
public record TimingCase(String mechanism, String variant, Era era, Mode mode, boolean preempt, ProbeAttach attach) {

    public String arch() {
        return Workload.arch(mode);
    }

    /** "kprobe/booster x86-64 2010": how the report names the row. */
    public String label() {
        return mechanism + "/" + variant + " " + arch() + " " + era.dslName();
    }
}
