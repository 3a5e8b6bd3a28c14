package io.probesim.scenario;

import groovy.lang.Closure;

/** A task of a scenario: x86 code started at a symbol, or a host (Groovy) task. */
public sealed interface TaskDefinition permits TaskDefinition.X86Task, TaskDefinition.HostTask {
    String name();
    int cpu();
    /** Script line of the {@code task} word, for errors found later (e.g. an unknown entry symbol). */
    int line();

    /** {@code task 'worker', cpu: 0, entry: 'worker'}: a kernel thread running x86 code from {@code entry}. */
    record X86Task(String name, int cpu, String entry, int line) implements TaskDefinition {}

    /**
     * {@code task 'tracer', cpu: 1, { ... }}: the closure is stored, never run at load time; the
     * runner runs it with {@link HostTaskScript#run}.
     */
    record HostTask(String name, int cpu, Closure<?> body, int line, long startPs) implements TaskDefinition {
        /** Starts at boot. */
        public HostTask(String name, int cpu, Closure<?> body, int line) { this(name, cpu, body, line, -1); }

        /** {@code at 10.us { }}: the task sleeps until exactly this simulated time (ps) first; -1 = at boot. */
        public boolean timed() { return startPs >= 0; }
    }
}
