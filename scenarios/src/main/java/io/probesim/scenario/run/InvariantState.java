package io.probesim.scenario.run;

import io.probesim.probes.kprobes.Kprobe;
import io.probesim.scenario.HostOpsException;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.Task;
import io.probesim.x86.kernel.TaskState;

import java.util.Map;

/**
 * What a custom invariant's {@code state} offers: read-only views of the machine and the event
 * log at the moment of the check. Nothing here changes the run (no choice, no event, no cycle).
 */
public final class InvariantState {
    private final Kernel kernel;
    private final Map<String, Integer> preHits;

    InvariantState(Kernel kernel, Map<String, Integer> preHits) {
        this.kernel = kernel;
        this.preHits = preHits;
    }

    /** Simulated time now, in picoseconds ({@code state.time}). */
    public long getTime() { return kernel.simulation().now(); }

    public long read64(String symbol) { return read64(symbol, 0); }
    public long read64(String symbol, long offset) { return kernel.memory().read64(address(symbol, offset)); }
    public long read32(String symbol) { return read32(symbol, 0); }
    public long read32(String symbol, long offset) { return kernel.memory().read32(address(symbol, offset)) & 0xffffffffL; }
    public int read8(String symbol) { return read8(symbol, 0); }
    public int read8(String symbol, long offset) { return kernel.memory().read8(address(symbol, offset)) & 0xff; }

    /** How many times pre handlers of the probe named {@code probe} ran (its kprobe-pre events so far). */
    public int hits(String probe) { return preHits.getOrDefault(probe, 0); }

    /** The same for a probe handle ({@code def p = kprobe 'target'}). */
    public int hits(Kprobe probe) { return hits(probe.name()); }

    /** The kernel's nmissed of a probe handle: hits it skipped (e.g. reentered). */
    public long nmissed(Kprobe probe) { return probe.nmissed(); }

    /** Power asserts print {@code state}: no identity hash in a message that goes into the event log. */
    @Override
    public String toString() { return "state at " + getTime() + " ps"; }

    public TaskView task(String name) {
        for (Task t : kernel.tasks()) {
            if (t.name().equals(name)) return new TaskView(t, kernel);
        }
        throw new HostOpsException("state.task: no task named '" + name + "'",
                "tasks: " + String.join(", ", kernel.tasks().stream().map(Task::name).toList()));
    }

    private long address(String symbol, long offset) {
        return kernel.symbols().lookup(symbol).orElseThrow(() -> new HostOpsException(
                "state.read: no symbol '" + symbol + "' in the scenario's text", "use a label of the text")).address() + offset;
    }

    /** {@code state.task('worker').ip} / {@code .state} (RUNNABLE, RUNNING, BLOCKED, DEAD). */
    public static final class TaskView {
        private final Task task;
        private final Kernel kernel;

        TaskView(Task task, Kernel kernel) {
            this.task = task;
            this.kernel = kernel;
        }

        /** The ip on its CPU when running, else the saved ip; 0 for a host task or one never switched out. */
        public long getIp() {
            if (task.state() == TaskState.RUNNING && kernel.cpu(task.cpu()).current() == task) return kernel.cpu(task.cpu()).cpu().rip;
            return task.savedContext() == null ? 0 : task.savedContext().rip();
        }

        public String getState() { return task.state().name(); }

        @Override
        public String toString() { return task.name() + " " + getState() + " ip=0x" + Long.toHexString(getIp()); }
    }
}
