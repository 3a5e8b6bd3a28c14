package io.probesim.probes.invariants;

import io.probesim.sim.Violations;
import io.probesim.sim.log.Event;
import io.probesim.sim.log.EventListener;
import io.probesim.x86.cpu.Cpu;
import io.probesim.x86.cpu.CpuState;
import io.probesim.x86.cpu.Step;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.SimCpu;
import io.probesim.x86.kernel.Task;
import io.probesim.x86.mem.Memory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * probe-transparency: an x86 task must compute what it computes without probes. Every time a
 * task arrives back at its entry point (a checkpoint), its registers and arithmetic flags are
 * compared with the same checkpoint of a reference execution of the same code from the same
 * start, on a copy of memory taken before any probe existed, with no interrupts. Workloads
 * whose results depend on other tasks' memory writes need a twin-run check (not yet modelled):
 * the shipped workloads touch only their own stacks.
 *
 * <p>A task that has never trapped on a probe (no int3 or debug trap in the event log) has
 * executed exactly the reference's instructions, so its reference is only run, catching up to
 * the task's checkpoint count, from its first trap on. Probe mechanisms that divert a task
 * without a trap mark the task here too: a jump-optimized probe's detour buffer logs `opt-hit`.
 */
public final class ProbeTransparency implements EventListener {

    public static final String NAME = "probe-transparency";
    private static final long ARITH_FLAGS = 0x8D5; // CF PF AF ZF SF OF
    private static final String[] REG = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
    private static final int MAX_REFERENCE_STEPS = 1_000_000;

    private final Kernel kernel;
    private final Violations violations;
    /** Indexed by pid; null for tasks that are not x86 tasks. */
    private final Reference[] references;
    private final Map<String, Reference> byName = new TreeMap<>();

    /** Call after the tasks exist and before any probe is registered; checks only when enabled. */
    public ProbeTransparency(Kernel kernel, Violations violations) {
        this.kernel = kernel;
        this.violations = violations;
        Memory pristine = kernel.memory().copy();
        List<Task> tasks = kernel.tasks();
        this.references = new Reference[tasks.size() + 1];
        Map<Integer, List<Long>> entriesByCpu = new TreeMap<>();
        for (Task t : tasks) {
            if (t.kind() != Task.Kind.X86) continue;
            // One probe-free memory for all references: each task touches only its own stack.
            Reference ref = new Reference(pristine, t.savedContext());
            references[t.pid()] = ref;
            byName.put(t.name(), ref);
            entriesByCpu.computeIfAbsent(t.cpu(), c -> new ArrayList<>()).add(t.savedContext().rip());
        }
        entriesByCpu.forEach((cpu, entries) -> kernel.cpu(cpu).watch(
                entries.stream().mapToLong(Long::longValue).toArray(), ip -> checkpoint(kernel.cpu(cpu), ip)));
        kernel.simulation().log().addListener(this);
    }

    /**
     * A trap taken by a task makes it worth comparing from now on. A task killed by an oops is
     * a difference too, unless the run without probes dies before its next checkpoint as well.
     */
    @Override
    public void onEvent(Event e) {
        Reference ref = byName.get(e.task());
        if (ref == null) return;
        switch (e.kind()) {
            case "int3", "debug", "opt-hit" -> ref.touched = true;   // opt-hit: diverted through a detour buffer
            case "killed" -> {
                if (ref.advanceTo(ref.arrivals + 1) != null) {
                    violations.report(NAME, "task " + e.task() + " was killed (" + e.field("why")
                            + ") where the run without probes goes on to its next checkpoint", e.cpu());
                }
            }
            default -> { }
        }
    }

    private void checkpoint(SimCpu sc, long ip) {
        Task t = sc.current();
        Reference ref = t.pid() < references.length ? references[t.pid()] : null;
        if (ref == null || ref.entry != ip) return;
        ref.arrivals++;
        if (!ref.touched) return;
        CpuState expected = ref.advanceTo(ref.arrivals);
        if (expected == null) return;
        Cpu actual = sc.cpu();
        StringBuilder diff = new StringBuilder();
        for (int r = 0; r < 16; r++) {
            if (actual.gpr[r] != expected.gpr(r)) {
                diff.append(String.format(" %s=0x%x (expected 0x%x)", REG[r], actual.gpr[r], expected.gpr(r)));
            }
        }
        if ((actual.rflags & ARITH_FLAGS) != (expected.rflags() & ARITH_FLAGS)) {
            diff.append(String.format(" flags=0x%x (expected 0x%x)", actual.rflags & ARITH_FLAGS, expected.rflags() & ARITH_FLAGS));
        }
        if (diff.length() > 0) {
            violations.report(NAME, "task " + t.name() + " at checkpoint " + ref.reached + " ("
                    + kernel.symbols().describe(ip) + ") differs from the run without probes:" + diff, sc.id());
        }
    }

    /** The probe-free execution of one task, advanced lazily one checkpoint at a time. */
    private final class Reference {
        private final Cpu cpu;
        private final long entry;
        private int reached;
        private int arrivals;
        private boolean touched;
        private boolean ended;
        private CpuState last;

        Reference(Memory memory, CpuState start) {
            this.cpu = new Cpu(memory, Mode.BITS64);
            cpu.load(start);
            this.entry = start.rip();
        }

        /** The reference's state at its `checkpoint`-th arrival at the entry. */
        CpuState advanceTo(int checkpoint) {
            while (reached < checkpoint && !ended) last = next();
            return ended ? null : last;
        }

        private CpuState next() {
            if (ended) return null;
            for (int n = 0; n < MAX_REFERENCE_STEPS; n++) {
                if (kernel.natives().contains(cpu.rip)) {
                    if (!returnsAtOnce(kernel.natives().nameAt(cpu.rip))) return end();
                    cpu.rip = cpu.memory().read64(cpu.gpr[4]);
                    cpu.gpr[4] += 8;
                } else if (cpu.step() != Step.OK) {
                    return end();
                }
                if (cpu.rip == entry) {
                    reached++;
                    return cpu.save();
                }
            }
            return end();
        }

        private CpuState end() {
            ended = true;
            return null;
        }
    }

    /** Kernel routines that, seen from the task, only return. */
    private static boolean returnsAtOnce(String nativeName) {
        return nativeName.equals("cond_resched") || nativeName.equals("schedule");
    }
}
