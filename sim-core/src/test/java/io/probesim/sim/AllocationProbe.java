package io.probesim.sim;

import io.probesim.sim.log.EventLog;

/**
 * Java on purpose: the world around the engine must not allocate either, or the allocation
 * spec would measure Groovy's dispatch instead of the engine.
 */
public final class AllocationProbe {
    public final Simulation sim;
    private long limit;

    private AllocationProbe(Simulation sim) {
        this.sim = sim;
    }

    /** n always-runnable actors stepping 2, 3, 4 ... ps, quantum 3: ties every few steps. */
    public static AllocationProbe world(int n) {
        Chooser quiet = new Chooser() {
            @Override public int choose(ChoiceKind kind, int c) { return 0; }
            @Override public int pickActor(int[] candidates) { return candidates.length - 1; }
            @Override public long stallAfterStep(int actor, long step) { return step % 1000 == 0 ? 7 : 0; }
            @Override public int[] recorded() { return new int[0]; }
        };
        Simulation sim = new Simulation(quiet, new EventLog(), 3);
        long[] times = new long[n];
        for (int i = 0; i < n; i++) {
            final int id = i;
            final long cost = 2 + i;
            sim.addActor(new Actor() {
                @Override public int id() { return id; }
                @Override public long localTime() { return times[id]; }
                @Override public boolean runnable() { return true; }
                @Override public void step() { times[id] += cost; }
                @Override public void stall(long ps) { times[id] += ps; }
            });
        }
        return new AllocationProbe(sim);
    }

    /**
     * Bytes this thread allocated while advancing `ps` (measured here, in Java, so that Groovy's
     * call-site linking does not land inside the measurement).
     */
    public long allocatedBytesDuring(long ps) {
        com.sun.management.ThreadMXBean bean =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long before = bean.getThreadAllocatedBytes(tid);
        advance(ps);
        return bean.getThreadAllocatedBytes(tid) - before;
    }

    /** Runs `ps` more simulated picoseconds; the actors never stop, the time limit ends the run. */
    public void advance(long ps) {
        limit += ps;
        sim.run(limit);
    }
}
