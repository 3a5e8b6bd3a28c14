package io.probesim.probes.invariants;

import io.probesim.probes.kprobes.Kprobe;
import io.probesim.probes.kprobes.Kprobes;
import io.probesim.sim.Violations;
import io.probesim.sim.log.Event;
import io.probesim.sim.log.EventListener;

import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * no-handler-after-unregister: once unregister_kprobe (or unregister_kretprobe) has returned,
 * no pre, post or return handler of that probe may start: its code may already be gone (a
 * module unloaded after unregistering). Handler starts are read off the event log; the moment
 * unregister returns is told by the core.
 */
public final class NoHandlerAfterUnregister implements EventListener, Consumer<Kprobe> {

    public static final String NAME = "no-handler-after-unregister";

    private final Violations violations;
    private final TreeSet<String> gone = new TreeSet<>();

    public NoHandlerAfterUnregister(Kprobes kprobes, Violations violations) {
        this.violations = violations;
        kprobes.addUnregisterListener(this);
        kprobes.kernel().simulation().log().addListener(this);
    }

    @Override
    public void accept(Kprobe p) {
        gone.add(p.name());
    }

    @Override
    public void onEvent(Event e) {
        switch (e.kind()) {
            case "kprobe-register" -> gone.remove(e.field("probe"));   // a new probe may take the name again
            case "kprobe-pre", "kprobe-post", "kretprobe-handler" -> {
                if (gone.contains(e.field("probe"))) {
                    violations.report(NAME, e.kind().substring(e.kind().indexOf('-') + 1) + " handler of " + e.field("probe")
                            + " started after its unregister call returned", e.cpu());
                }
            }
            default -> { }
        }
    }
}
