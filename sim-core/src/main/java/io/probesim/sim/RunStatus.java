package io.probesim.sim;

/** Why {@link Simulation#run(long)} returned. */
public enum RunStatus {
    /** {@link Simulation#stop(String)} was called (a violation, or the scenario ended itself). */
    STOPPED,
    /** The next step or event lies beyond the time limit. */
    TIME_LIMIT,
    /** No actor is runnable and no event is pending: nothing can ever happen again. */
    QUIESCENT
}
