package io.probesim.x86.kernel;

import io.probesim.sim.Time;

/** The machine a scenario asks for: what `machine { ... }` says. */
public record KernelConfig(int cpus, boolean preempt, int tickHz, int sliceTicks, int clockMhz) {

    public KernelConfig {
        if (cpus < 1 || cpus > 64) throw new IllegalArgumentException("cpus must be 1..64, was " + cpus);
        if (tickHz < 1) throw new IllegalArgumentException("tick hz must be positive, was " + tickHz);
        if (sliceTicks < 1) throw new IllegalArgumentException("slice must be at least one tick");
        if (clockMhz < 1) throw new IllegalArgumentException("clock must be positive");
    }

    public long tickPeriodPs() {
        return Time.MS * 1000 / tickHz;
    }
}
