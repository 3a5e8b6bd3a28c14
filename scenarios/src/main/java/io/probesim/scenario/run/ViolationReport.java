package io.probesim.scenario.run;

import io.probesim.scenario.ScenarioDefinition;
import io.probesim.sim.Time;
import io.probesim.sim.Violation;

/** The text shown for a violation: what broke, where, the trace, and how to replay it. */
final class ViolationReport {

    private static final int TRACE_EVENTS = 24;

    private final ScenarioDefinition def;
    private final ScenarioImage image;
    private final ScenarioRunner.Outcome outcome;
    private final String token;

    ViolationReport(ScenarioDefinition def, ScenarioImage image, ScenarioRunner.Outcome outcome, String token) {
        this.def = def;
        this.image = image;
        this.outcome = outcome;
        this.token = token;
    }

    String render(String what) {
        Violation v = outcome.result().violation().orElseThrow();
        StringBuilder sb = new StringBuilder();
        sb.append(what).append('\n');
        sb.append("VIOLATION of ").append(v.invariant()).append('\n');
        sb.append("  ").append(v.message()).append('\n');
        sb.append("  at event #").append(v.eventSeq()).append(", t=").append(Time.format(v.time()))
                .append(", cpu ").append(v.cpu()).append(", era ").append(def.probes().era());
        if (!def.probes().knobs().isEmpty()) sb.append(", knobs ").append(String.join(",", def.probes().knobs()));
        sb.append("\n\nTrace of the last ").append(TRACE_EVENTS).append(" events (one column per CPU):\n");
        sb.append(new TraceView(outcome.kernel(), image.freshMemory()).render(outcome.result().log().events(), v, TRACE_EVENTS));
        String script = def.file() == null ? def.name() : def.file().toString();
        sb.append("\nReplay it (same event log, same sha256):\n  ./probesim replay ").append(script)
                .append(" --token ").append(token).append('\n');
        return sb.toString();
    }
}
