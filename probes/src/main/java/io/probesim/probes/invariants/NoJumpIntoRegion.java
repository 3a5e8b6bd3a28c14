package io.probesim.probes.invariants;

import io.probesim.probes.optprobes.x86.CanOptimize;
import io.probesim.probes.optprobes.x86.OptRegion;
import io.probesim.sim.Violations;
import io.probesim.sim.log.Event;
import io.probesim.sim.log.EventListener;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.format.AttFormatter;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.SimCpu;

import java.util.ArrayList;
import java.util.List;

/**
 * no-jump-into-region: no branch, return or fault fixup lands strictly inside an optimized
 * region, i.e. on bytes addr+1..addr+4 of a region while they hold the jump's displacement
 * instead of the original bytes (an instruction that starts at addr+5 or later stays intact,
 * which is why can_optimize checks exactly these bytes).
 *
 * <p>Observed through each CPU's address watches ({@link SimCpu#watch(Object, long[],
 * java.util.function.LongConsumer)}): only while the invariant is checked and some region is
 * optimized, so a run that does not check it pays nothing per instruction. It follows the
 * optimizer through the event log (as a listener): {@code opt-jump-begin} (the jump is about
 * to be written) starts watching a region, {@code opt-jump-removed} (its bytes are back) ends
 * it; {@link #optimizing} and {@link #unoptimized} do the same directly. An arrival counts only
 * while bytes 1..4 differ from the originals, so the exact moment of each store (a yield point)
 * needs no further report.
 */
public final class NoJumpIntoRegion implements EventListener {

    public static final String NAME = "no-jump-into-region";

    private final Kernel kernel;
    private final Violations violations;
    /** Regions whose jump is written, in the order they were written. */
    private final List<OptRegion> patched = new ArrayList<>();

    public NoJumpIntoRegion(Kernel kernel, Violations violations) {
        this.kernel = kernel;
        this.violations = violations;
    }

    /** The jump over `region` is about to be written: watch arrivals inside it. */
    public void optimizing(OptRegion region) {
        if (!violations.enabled(NAME)) return;
        patched.removeIf(r -> r.address() == region.address());
        patched.add(region);
        rewatch();
    }

    /** The region's original bytes are back (unoptimized): stop watching it. */
    public void unoptimized(OptRegion region) {
        if (!violations.enabled(NAME)) return;
        patched.removeIf(r -> r.address() == region.address());
        rewatch();
    }

    @Override
    public void onEvent(Event e) {
        switch (e.kind()) {
            case "opt-jump-begin" -> {
                long addr = parse(e.field("addr"));
                int len = Integer.parseInt(e.field("len"));
                // Before the first store: int3 at byte 0, the original bytes behind it.
                byte[] now = kernel.memory().read(addr, len);
                optimizing(new OptRegion(addr, len, now));
            }
            case "opt-jump-removed" -> {
                long addr = parse(e.field("addr"));
                patched.stream().filter(r -> r.address() == addr).findFirst().ifPresent(this::unoptimized);
            }
            default -> { }
        }
    }

    private static long parse(String hex) {
        return Long.parseUnsignedLong(hex.substring(2), 16);
    }

    private void rewatch() {
        long[] inside = new long[patched.size() * (CanOptimize.JMP_SIZE - 1)];
        int i = 0;
        for (OptRegion r : patched) {
            for (int b = 1; b < CanOptimize.JMP_SIZE; b++) inside[i++] = r.address() + b;
        }
        for (int c = 0; c < kernel.cpuCount(); c++) {
            SimCpu sc = kernel.cpu(c);
            sc.watch(this, inside, ip -> landed(sc, ip));
        }
    }

    private void landed(SimCpu sc, long ip) {
        OptRegion r = patched.stream().filter(x -> ip > x.address() && ip < x.address() + CanOptimize.JMP_SIZE).findFirst().orElseThrow();
        byte[] now = kernel.memory().read(r.address() + 1, CanOptimize.JMP_SIZE - 1);
        byte[] orig = java.util.Arrays.copyOfRange(r.copied(), 1, CanOptimize.JMP_SIZE);
        if (java.util.Arrays.equals(now, orig)) return;   // not (or no longer) patched: the original instructions are there
        Instruction last = sc.cpu().lastInstruction();
        String how = last == null ? "control" : switch (last.flow()) {
            case RET, IRET -> "a return ('" + AttFormatter.format(last).trim() + "' at " + kernel.symbols().describe(last.address()) + ")";
            case NONE -> "a fault fixup or fall-through";
            default -> "a branch ('" + AttFormatter.format(last).trim() + "' at " + kernel.symbols().describe(last.address()) + ")";
        };
        if (kernel.exceptionTable().size() > 0 && sc.cpu().lastInstruction() != null
                && kernel.exceptionTable().search(sc.cpu().lastInstruction().address()).filter(e -> e.fixup() == ip).isPresent()) {
            how = "the fault fixup of '" + AttFormatter.format(last).trim() + "' at " + kernel.symbols().describe(last.address());
        }
        violations.report(NAME, how + " landed at " + kernel.symbols().describe(ip) + ", byte " + (ip - r.address())
                + " of the jump written over the optimized region at " + kernel.symbols().describe(r.address())
                + " (" + r.length() + " bytes)", sc.id());
    }
}
