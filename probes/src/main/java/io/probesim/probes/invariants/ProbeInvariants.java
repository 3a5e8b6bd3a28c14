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
                new Named(NoResumeInsidePatchedRegion.NAME, "after a jump is written over a region, no CPU executes from and no context resumes at an address strictly inside the 5 patched bytes"),
                new Named(NoJumpIntoRegion.NAME, "no branch, return or fault fixup lands strictly inside an optimized region (the jump written over it)"),
                new Named(ReturnAddressIntegrity.NAME, "every call protected by a kretprobe returns to its real caller; skipped instances are counted in nmissed"),
                new Named(NoHandlerAfterUnregister.NAME, "no handler of a probe starts after its unregister call returned"),
                new Named(io.probesim.x86.kernel.Nmi.FRAME_INTEGRITY, "a nested NMI never overwrites the frame of an NMI in progress"),
                new Named(io.probesim.x86.kernel.StalePrefetch.INVARIANT, "no CPU executes an instruction mixing old and new bytes of a text write, nor a stale copy fetched before a write with no serializing event since"));
    }
}
