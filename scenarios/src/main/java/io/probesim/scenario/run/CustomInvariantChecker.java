package io.probesim.scenario.run;

import io.probesim.scenario.CustomInvariant;
import io.probesim.scenario.HostTaskScript;
import io.probesim.sim.Violations;
import io.probesim.sim.log.Event;
import io.probesim.sim.log.EventListener;
import io.probesim.x86.kernel.Kernel;

import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates a scenario's custom invariants after every event a host task logs (a host task's
 * step: a register, a sleep, a log line) and once when the schedule ends. Both points are
 * events of the deterministic log, so the explorer finds, shrinks and replays a violation like
 * a built-in one. An invariant is violated when its closure returns false or fails an assert.
 */
final class CustomInvariantChecker implements EventListener {
    private final List<CustomInvariant> invariants;
    private final Violations violations;
    private final Set<String> hostTasks;
    /** Looked up by name only, never iterated: safe for determinism. */
    private final Map<String, Integer> preHits = new TreeMap<>();
    private final InvariantState state;
    private boolean checking;

    CustomInvariantChecker(List<CustomInvariant> invariants, Kernel kernel, Violations violations, Set<String> hostTasks) {
        this.invariants = invariants;
        this.violations = violations;
        this.hostTasks = hostTasks;
        this.state = new InvariantState(kernel, preHits);
    }

    @Override
    public void onEvent(Event e) {
        if (e.kind().equals("kprobe-pre")) preHits.merge(e.field("probe"), 1, Integer::sum);
        if (hostTasks.contains(e.task())) check(e.cpu());
    }

    /** Evaluates every enabled custom invariant; the first that fails is reported. */
    void check(int cpu) {
        if (checking || violations.first().isPresent()) return;
        checking = true;
        try {
            for (CustomInvariant inv : invariants) {
                if (!violations.enabled(inv.name())) continue;
                String failure = evaluate(inv);
                if (failure != null) {
                    violations.report(inv.name(), failure, cpu);
                    return;
                }
            }
        } finally {
            checking = false;
        }
    }

    private String evaluate(CustomInvariant inv) {
        try {
            Object r = HostTaskScript.callHandler(inv.check(), state);
            return Boolean.FALSE.equals(r) ? "invariant '" + inv.name() + "' returned false" : null;
        } catch (AssertionError a) {
            String m = a.getMessage();
            return m == null || m.isBlank() ? "invariant '" + inv.name() + "' failed an assert" : m.strip();
        }
    }
}
