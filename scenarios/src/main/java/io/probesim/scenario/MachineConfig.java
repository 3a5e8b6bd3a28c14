package io.probesim.scenario;

/**
 * The simulated machine of a scenario ({@code machine { ... }}).
 *
 * @param cpus       number of CPUs (1..64)
 * @param bits       32 (protected flat mode) or 64 (long mode)
 * @param preempt    CONFIG_PREEMPT
 * @param tickHz     timer interrupt rate (CONFIG_HZ)
 * @param sliceTicks scheduler time slice in ticks
 * @param clockGhz   CPU clock rate, the same for every CPU
 * @param nmiHandler the label of the x86 function every NMI runs; null for the built-in one that returns at once
 */
public record MachineConfig(int cpus, int bits, boolean preempt, int tickHz, int sliceTicks, double clockGhz, String nmiHandler) {
    public static final MachineConfig DEFAULT = new MachineConfig(2, 64, true, 1000, 1, 2.33);

    /** A machine with the built-in NMI handler. */
    public MachineConfig(int cpus, int bits, boolean preempt, int tickHz, int sliceTicks, double clockGhz) {
        this(cpus, bits, preempt, tickHz, sliceTicks, clockGhz, null);
    }
}
