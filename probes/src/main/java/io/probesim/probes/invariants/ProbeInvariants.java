package io.probesim.probes.invariants;

import io.probesim.sim.Invariant;

import java.util.List;

/** The built-in invariants this version checks, for `probesim list invariants` and validation. */
public final class ProbeInvariants {
    private ProbeInvariants() {}

    private record Named(String name, String holdsWhen) implements Invariant {}

    public static final String NO_OOPS = "no-oops";

    public static List<Invariant> all() {
        return List.of(
                new Named(SlotNotFreedWhileInUse.NAME, "no instruction slot is released or handed out again while a CPU, an interrupted context or a preempted task has its ip inside it"),
                new Named(ProbeTransparency.NAME, "each task's registers at its checkpoints equal those of the same code run without probes"),
                new Named(HandlerExactlyOnce.NAME, "every hit of a probed instruction gets exactly one pre handler call or one counted miss per probe"),
                new Named(NO_OOPS, "the kernel never takes an unhandled exception, BUG, or executes an invalid instruction"),
                new Named(NoResumeInsidePatchedRegion.NAME, "after a jump is written over a region, no CPU executes from and no context resumes at an address strictly inside the 5 patched bytes"));
    }
}
