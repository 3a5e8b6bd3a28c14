package io.probesim.scenario;

import java.util.Map;

/**
 * What a host task's body can do, implemented by the engine's runner. Calls arrive in the order
 * the script makes them, on whatever thread runs {@link HostTaskScript#run}. A call may block
 * in simulated time (sleep, unregister waiting for a grace period). Throw
 * {@link HostOpsException} to report a mistake at the script line of the call.
 */
public interface HostOps {
    /**
     * Registers a kprobe. {@code target} is a symbol with an optional offset ("target+1").
     * {@code options}: "pre" and "post" map to {@link groovy.lang.Closure}s taking the registers
     * (absent when not given); other keys are passed through unchanged, in script order.
     *
     * @return the probe's handle, given back to {@link #unregister}
     */
    Object kprobe(String target, Map<String, Object> options);

    void unregister(Object probe);

    /** Sleeps for {@code ps} picoseconds of simulated time. */
    void sleep(long ps);

    /** A line for the event log. */
    void log(String message);

    /** Kicks the jump optimizer and returns once the probe's jump is written; why not, otherwise. */
    default void optimize(Object probe) {
        throw new HostOpsException("optimize is not available here", null);
    }

    /** Takes an optimized probe back to int3 at once. */
    default void unoptimize(Object probe) {
        throw new HostOpsException("unoptimize is not available here", null);
    }

    /** Sets a kernel sysctl (the model knows debug.kprobes-optimization). */
    default void sysctl(String name, long value) {
        throw new HostOpsException("sysctl is not available here", null);
    }

    /**
     * An NMI arrives on {@code cpu}: now, or when {@code withinPs} > 0 somewhere in the next
     * {@code withinPs} picoseconds (where is a choice the explorer varies).
     */
    default void nmi(int cpu, long withinPs) {
        throw new HostOpsException("nmi is not available here", "run the scenario with the kernel model");
    }

    /**
     * Registers a kretprobe on the function {@code target}. {@code options}: "entry" and
     * "handler" map to {@link groovy.lang.Closure}s taking the registers, "maxactive" to an
     * Integer (absent: the kernel's default).
     *
     * @return the probe's handle, given back to {@link #unregister}
     */
    default Object kretprobe(String target, Map<String, Object> options) {
        throw new HostOpsException("kretprobe is not available here", null);
    }

    /**
     * Registers a jprobe on the function {@code target} whose mirror is the text's label
     * {@code entry} (it ends with {@code call jprobe_return}).
     *
     * @return the probe's handle, given back to {@link #unregister}
     */
    default Object jprobe(String target, String entry) {
        throw new HostOpsException("jprobe is not available here", null);
    }
}
