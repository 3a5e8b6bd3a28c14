package io.probesim.sim.explore;

import io.probesim.sim.Violation;
import io.probesim.sim.log.EventLog;
import java.util.Optional;

/**
 * The outcome of one schedule. {@code choices} is what the chooser recorded: replaying it with
 * {@link Strategies#replay} reproduces the run, and {@code logSha256} with it.
 */
public record RunResult(Optional<Violation> violation, int[] choices, String logSha256,
                        long steps, int actors, EventLog log) {

    public boolean failed() {
        return violation.isPresent();
    }

    /** Name of the violated invariant, or null. */
    public String invariant() {
        return violation.map(Violation::invariant).orElse(null);
    }

    /** The same result with other choices (the shrinker trims what replay consumed). */
    public RunResult withChoices(int[] newChoices) {
        return new RunResult(violation, newChoices, logSha256, steps, actors, log);
    }

    @Override
    public String toString() {
        return "RunResult[violation=" + violation.map(Violation::invariant).orElse("none")
                + ", choices=" + choices.length + ", sha256=" + logSha256 + ", steps=" + steps + ", actors=" + actors + "]";
    }
}
