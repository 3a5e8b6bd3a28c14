package io.probesim.scenario;

import io.probesim.probes.invariants.ProbeInvariants;
import io.probesim.sim.Invariant;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.Optional;

/**
 * The public names a script may use: eras, knobs and built-in invariants
 * (shared/spec/invariants.md). Eras and knobs come from the probes module, which owns them;
 * the invariant names are the DSL's public list, each marked with whether this version checks
 * it. A script naming an unimplemented knob or invariant is refused, so an unsafe variant never
 * "passes" only because nothing was switched off or nothing looked.
 */
public final class Catalog {
    private Catalog() {}

    public record Era(String name, String description) {}

    /** @param measure the row of the invariants.md matrix (S1..S22) */
    public record Knob(String name, String measure, String description, boolean implemented) {}

    /** @param implemented whether this version checks it (a `check` of anything else is refused) */
    public record InvariantInfo(String name, String holdsWhen, boolean implemented) {
        InvariantInfo(String name, String holdsWhen) {
            this(name, holdsWhen, CHECKED.contains(name));
        }
    }

    private static final Set<String> CHECKED = ProbeInvariants.all().stream().map(Invariant::name)
            .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));

    /** The eras, as the probes module defines them. */
    public static final List<Era> ERAS = Arrays.stream(io.probesim.probes.Era.values())
            .map(e -> new Era(e.dslName(), e.description())).toList();

    /** The knobs of shared/spec/invariants.md, as the probes module defines them. */
    public static final List<Knob> KNOBS = Arrays.stream(io.probesim.probes.Knob.values())
            .map(k -> new Knob(k.dslName(), k.row(), k.description(), k.implemented())).toList();

    public static final List<InvariantInfo> INVARIANTS = List.of(
            new InvariantInfo("slot-not-freed-while-in-use", "no slot, detour buffer or XOL slot is reused or released while a CPU, an interrupted context or a preempted task is inside it"),
            new InvariantInfo("no-resume-inside-patched-region", "after a jump is written over a region, nothing executes from or resumes at an address strictly inside the 5 patched bytes"),
            new InvariantInfo("no-torn-fetch", "no CPU executes an instruction mixing old and new bytes of a text write, nor a stale copy fetched before a write without a serializing event since"),
            new InvariantInfo("no-jump-into-region", "no branch, return or fault fixup lands strictly inside an optimized region"),
            new InvariantInfo("probe-transparency", "the workload's observable results equal those of the same schedule with no probes"),
            new InvariantInfo("handler-exactly-once", "every execution of a probed instruction gives exactly one pre handler call or one counted miss; post handler once when present"),
            new InvariantInfo("no-handler-after-unregister", "no handler of a probe starts after its unregister call returned"),
            new InvariantInfo("return-address-integrity", "every call protected by a kretprobe/uretprobe returns to its real caller; skipped instances are counted in nmissed"),
            new InvariantInfo("no-oops", "the kernel never takes an unhandled exception, BUG, or executes an invalid instruction"),
            new InvariantInfo("task-not-killed", "no user task receives a signal the workload did not cause itself"),
            new InvariantInfo("no-signal-in-xol", "no signal handler runs while the task's ip is in an XOL slot"),
            new InvariantInfo("tf-semantics", "a task that single-steps itself sees exactly one SIGTRAP per instruction, probes or not"),
            new InvariantInfo("nmi-frame-integrity", "a nested NMI never overwrites the frame of an NMI in progress"));

    public static final List<String> STRATEGIES = List.of("random", "pct", "dfs");

    public static List<String> eraNames() { return ERAS.stream().map(Era::name).toList(); }
    public static List<String> knobNames() { return KNOBS.stream().map(Knob::name).toList(); }
    public static List<String> invariantNames() { return INVARIANTS.stream().map(InvariantInfo::name).toList(); }

    public static Optional<Knob> knob(String name) {
        return KNOBS.stream().filter(k -> k.name().equals(name)).findFirst();
    }

    public static boolean isEra(String name) { return eraNames().contains(name); }
    public static boolean isInvariant(String name) { return invariantNames().contains(name); }

    public static InvariantInfo invariant(String name) {
        return INVARIANTS.stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
    }
}
