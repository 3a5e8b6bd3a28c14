package io.probesim.probes.invariants;

import io.probesim.sim.Violations;
import io.probesim.sim.log.Event;
import io.probesim.sim.log.EventListener;
import io.probesim.x86.kernel.Kernel;

/**
 * no-resume-inside-patched-region, read off the event log: at every store of an optimized
 * jump over bytes 1..4 of its region and once more when the jump is written, no CPU may have its ip, and no interrupted, preempted or blocked context its saved ip,
 * strictly inside the 5 patched bytes. Once the jump is there nothing can enter those bytes
 * but a branch into the region (no-jump-into-region's business), so any context that would
 * execute from or resume at them is found by these scans.
 */
public final class NoResumeInsidePatchedRegion implements EventListener {

    public static final String NAME = "no-resume-inside-patched-region";
    private static final int JMP_SIZE = 5;

    private final Kernel kernel;
    private final Violations violations;
    /** The region whose jump is being written, or -1. */
    private long patching = -1;

    public NoResumeInsidePatchedRegion(Kernel kernel, Violations violations) {
        this.kernel = kernel;
        this.violations = violations;
    }

    @Override
    public void onEvent(Event e) {
        switch (e.kind()) {
            case "opt-jump-begin" -> patching = parse(e.field("addr"));
            case "text-write" -> {
                // The stores that matter are those over bytes 1..4: byte 0 alone (int3, or the
                // jmp opcode last) leaves what a resuming context executes intact.
                long at = parse(e.field("addr"));
                long end = at + e.field("new").length() / 2;
                if (patching >= 0 && at < patching + JMP_SIZE && end > patching + 1) scan(patching, e.cpu(), "while its jump is written");
            }
            case "opt-jump-written" -> {
                scan(parse(e.field("addr")), e.cpu(), "when its jump was written");
                patching = -1;
            }
            default -> { }
        }
    }

    private void scan(long region, int cpu, String when) {
        if (!violations.enabled(NAME)) return;
        kernel.forEachLiveIp((ip, task, how) -> {
            if (ip > region && ip < region + JMP_SIZE) {
                violations.report(NAME, "task " + task.name() + " (" + how + ") has ip 0x" + Long.toHexString(ip) + " ("
                        + kernel.symbols().describe(ip) + ") inside the optimized region at 0x" + Long.toHexString(region)
                        + " " + when + ": it would run the middle of the jump", task.cpu());
            }
        });
    }

    private static long parse(String hex) {
        return Long.parseUnsignedLong(hex.substring(2), 16);
    }
}
