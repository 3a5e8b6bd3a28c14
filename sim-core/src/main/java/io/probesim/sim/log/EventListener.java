package io.probesim.sim.log;

/** Observes a log as it grows (invariant checkers); called synchronously after each append. */
public interface EventListener {
    void onEvent(Event e);
}
