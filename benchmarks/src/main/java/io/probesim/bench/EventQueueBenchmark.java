package io.probesim.bench;

import io.probesim.sim.ChoiceKind;
import io.probesim.sim.Chooser;
import io.probesim.sim.EventQueue;
import io.probesim.sim.Simulation;
import io.probesim.sim.log.EventLog;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Engine target (DESIGN.md, performance): >= 20 M null events/s per core with 1k pending.
 * One operation = one event through the queue (pop the earliest, schedule one more), so the
 * reported ops/s is events/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class EventQueueBenchmark {
    private static final int DELTAS = 4096; // power of two: cheap wrap-around

    /** Pending events; also the @OperationsPerInvocation of the engine benchmark, so keep the two equal. */
    private static final int PENDING = 1000;
    private final int pending = PENDING;

    private EventQueue queue;
    private long[] deltas;
    private int next;
    private long now;

    private Simulation sim;
    private long limit;

    @Setup(Level.Trial)
    public void setUp() {
        // Pseudo-random deltas drawn up front, so the benchmark measures the heap, not the RNG.
        SplittableRandom random = new SplittableRandom(2010);
        deltas = new long[DELTAS];
        for (int i = 0; i < DELTAS; i++) {
            deltas[i] = 1 + random.nextInt(2 * pending);
        }
        queue = new EventQueue(pending * 2);
        for (int i = 0; i < pending; i++) {
            queue.push(random.nextInt(2 * pending), null);
        }

        // The same load through the engine: `pending` no-op events, each rescheduling itself one
        // period later, staggered so exactly `pending` of them fire per period.
        sim = new Simulation(new NoChoices(), new EventLog(), 0);
        for (int i = 0; i < pending; i++) {
            sim.at(i, new Periodic(sim, pending));
        }
        limit = -1;
    }

    /** Pop the earliest null event, schedule one more: the queue stays at `pending` entries. */
    @Benchmark
    public Object scheduleOnePopOne() {
        now = queue.peekTime();
        Object payload = queue.pop();
        queue.push(now + deltas[next++ & (DELTAS - 1)], null);
        return payload;
    }

    /** The engine's event path (peek, pop, dispatch, reschedule) with no actors; `pending` events per invocation. */
    @Benchmark
    @OperationsPerInvocation(PENDING)
    public long simulationNullEvents() {
        limit += pending;
        sim.run(limit);
        return sim.now();
    }

    /** A no-op event that puts itself back one period later. */
    private static final class Periodic implements Runnable {
        private final Simulation sim;
        private final long period;

        Periodic(Simulation sim, long period) {
            this.sim = sim;
            this.period = period;
        }

        @Override
        public void run() {
            sim.at(sim.now() + period, this);
        }
    }

    /** Events only: the chooser is never asked. */
    private static final class NoChoices implements Chooser {
        @Override public int choose(ChoiceKind kind, int n) { return 0; }
        @Override public int pickActor(int[] candidates) { return 0; }
        @Override public long stallAfterStep(int actor, long step) { return 0; }
        @Override public int[] recorded() { return new int[0]; }
    }
}
