package io.probesim.sim;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/** Where checkers report; the first violation is kept, logged and stops the run. */
public final class Violations {
    private final Simulation sim;
    private final Set<String> enabled;
    private Violation first;

    /** @param enabled invariant names; kept in the caller's order (an ordered copy is made) */
    public Violations(Simulation sim, Set<String> enabled) {
        this.sim = sim;
        this.enabled = Collections.unmodifiableSet(new LinkedHashSet<>(enabled));
    }

    public boolean enabled(String name) {
        return enabled.contains(name);
    }

    public Set<String> enabledNames() {
        return enabled;
    }

    /** Ignored if the invariant is not enabled or a violation was already reported. */
    public void report(String invariant, String message, int cpu) {
        if (first != null || !enabled.contains(invariant)) {
            return;
        }
        long time = sim.now();
        // Set first before appending: a listener reacting to the "violation" event must see it.
        first = new Violation(invariant, message, sim.log().size(), time, cpu);
        sim.log().append(time, cpu, "", "violation", "invariant", invariant, "message", message);
        sim.stop("violation: " + invariant);
    }

    public Optional<Violation> first() {
        return Optional.ofNullable(first);
    }
}
