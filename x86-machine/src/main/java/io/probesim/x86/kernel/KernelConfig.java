package io.probesim.x86.kernel;

import io.probesim.sim.Time;
import io.probesim.x86.decode.Mode;

import java.util.Objects;

/** The machine a scenario asks for: what `machine { ... }` says. `mode`: a 64-bit or a 32-bit (i386) machine. */
public record KernelConfig(int cpus, boolean preempt, int tickHz, int sliceTicks, int clockMhz, Mode mode) {

    public KernelConfig {
        if (cpus < 1 || cpus > 64) throw new IllegalArgumentException("cpus must be 1..64, was " + cpus);
        if (tickHz < 1) throw new IllegalArgumentException("tick hz must be positive, was " + tickHz);
        if (sliceTicks < 1) throw new IllegalArgumentException("slice must be at least one tick");
        if (clockMhz < 1) throw new IllegalArgumentException("clock must be positive");
        Objects.requireNonNull(mode, "mode");
    }

    /** A 64-bit machine. */
    public KernelConfig(int cpus, boolean preempt, int tickHz, int sliceTicks, int clockMhz) {
        this(cpus, preempt, tickHz, sliceTicks, clockMhz, Mode.BITS64);
    }

    public long tickPeriodPs() {
        return Time.MS * 1000 / tickHz;
    }
}
