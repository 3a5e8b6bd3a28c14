package io.probesim.x86.kernel;

import io.probesim.sim.ChoiceKind;

/**
 * The periodic timer interrupt of each CPU. Its phase on each CPU is a choice, and so is the
 * arrival jitter of every tick (up to 1/64 of the period), which is how strategies steer
 * where in the workload an interrupt lands.
 */
public final class TimerTick {

    private static final int PHASE_STEPS = 1024;
    private static final int JITTER_STEPS = 16;

    private final Kernel kernel;
    private final long period;
    private long jiffies;

    TimerTick(Kernel kernel) {
        this.kernel = kernel;
        this.period = kernel.config().tickPeriodPs();
    }

    void start(SimCpu sc) {
        int phase = kernel.simulation().chooser().choose(ChoiceKind.PHASE, PHASE_STEPS);
        arm(sc, period * phase / PHASE_STEPS);
    }

    private void arm(SimCpu sc, long nominal) {
        int jitter = kernel.simulation().chooser().choose(ChoiceKind.JITTER, JITTER_STEPS);
        long at = nominal + (period / 64) * jitter / JITTER_STEPS;
        kernel.simulation().at(at, () -> {
            sc.raiseIrq(SimCpu.TIMER_IRQ, at);
            arm(sc, nominal + period);
        });
    }

    /** The handler body, in interrupt context on `sc`. */
    void tick(SimCpu sc) {
        if (sc.id() == 0) {
            jiffies++;
            kernel.workqueue().tick(jiffies);          // the timer wheel: delayed work now due
        }
        sc.addCycles(CostTable.TIMER_HANDLER);
        Task t = sc.current;
        Scheduler sched = kernel.scheduler();
        if (t.kind() == Task.Kind.IDLE) {
            kernel.rcu().noteQuiescentState(sc.id());
            if (sched.hasRunnable(sc.id())) sc.needResched = true;
        } else if (++t.ticksInSlice >= kernel.config().sliceTicks() && sched.hasRunnable(sc.id())) {
            sc.needResched = true;
        }
    }

    public long jiffies() {
        return jiffies;
    }
}
