package io.probesim.sim.explore;

import io.probesim.sim.Chooser;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs schedules 0, 1, 2, ... until the budget ends, the strategy runs dry or a violation is
 * found, then shrinks the violation and makes its replay token.
 *
 * <p>With jobs > 1 schedules run in a thread pool but are consumed strictly in index order,
 * and a failure at index i ends the exploration only once every schedule below i has been
 * consumed; so the result for a count budget is the same as a serial run's. The wall clock is
 * read only here, for the time budget and the schedules/s figure: never inside a run.
 */
public final class Explorer {
    /** Replays the shrinker may spend on one violation. */
    public static final int SHRINK_RUNS = 300;

    private final ScheduleRunner runner;
    private final Strategy strategy;
    private final String tokenConfig;
    private int shrinkRuns = SHRINK_RUNS;

    public Explorer(ScheduleRunner runner, Strategy strategy, String tokenConfig) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.strategy = Objects.requireNonNull(strategy, "strategy");
        this.tokenConfig = Objects.requireNonNull(tokenConfig, "tokenConfig");
    }

    /** Overrides the shrinking budget (0: do not shrink). */
    public Explorer shrinkRuns(int runs) {
        this.shrinkRuns = runs;
        return this;
    }

    public ExplorationResult explore(Budget budget, int jobs, ProgressListener progress) {
        ProgressListener listener = progress == null ? ProgressListener.NONE : progress;
        long startNanos = System.nanoTime();
        long deadline = budget.wallTime() == null ? Long.MAX_VALUE
                : startNanos + Math.min(budget.wallTime().toNanos(), Long.MAX_VALUE / 4);
        Consumer consumer = new Consumer(budget, listener);
        if (jobs <= 1 || !strategy.parallelSafe()) {
            serial(budget, deadline, consumer);
        } else {
            parallel(budget, deadline, jobs, consumer);
        }
        listener.progress(consumer.done, consumer.total, consumer.failure == null ? 0 : 1);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        double rate = seconds > 0 ? consumer.done / seconds : 0;
        Optional<Found> found = Optional.empty();
        if (consumer.failure != null) {
            RunResult original = consumer.failure;
            RunResult shrunk = shrinkRuns > 0 ? Shrinker.shrink(runner, original, shrinkRuns)
                    : original.withChoices(Shrinker.trim(original.choices()));
            String token = new ReplayToken(tokenConfig, shrunk.choices()).encode();
            found = Optional.of(new Found(consumer.failureIndex, original, shrunk, token));
        }
        return new ExplorationResult(consumer.done, consumer.hashes.size(), rate, found, consumer.last);
    }

    private static boolean timeLeft(long deadline) {
        return deadline == Long.MAX_VALUE || System.nanoTime() - deadline < 0;
    }

    private void serial(Budget budget, long deadline, Consumer consumer) {
        for (long i = 0; i < budget.schedules() && timeLeft(deadline); i++) {
            Chooser c = strategy.chooserFor(i);
            if (c == null) {
                return;
            }
            if (consumer.accept(i, runner.run(c))) {
                return;
            }
        }
    }

    private void parallel(Budget budget, long deadline, int jobs, Consumer consumer) {
        AtomicInteger threadNo = new AtomicInteger();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "probesim-explore-" + threadNo.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ExecutorService pool = Executors.newFixedThreadPool(jobs, factory);
        // A bounded window keeps memory flat (each result holds a log) while keeping every thread busy.
        int window = jobs * 4;
        ArrayDeque<Future<RunResult>> inFlight = new ArrayDeque<>();
        long next = 0;
        long consumed = 0;
        boolean dry = false;
        try {
            while (true) {
                while (!dry && inFlight.size() < window && next < budget.schedules() && timeLeft(deadline)) {
                    Chooser c = strategy.chooserFor(next);
                    if (c == null) {
                        dry = true;
                        break;
                    }
                    inFlight.add(pool.submit(() -> runner.run(c)));
                    next++;
                }
                Future<RunResult> head = inFlight.poll();
                if (head == null) {
                    return;
                }
                if (consumer.accept(consumed++, await(head))) {
                    return;
                }
            }
        } finally {
            for (Future<RunResult> f : inFlight) {
                f.cancel(true);
            }
            pool.shutdownNow();
        }
    }

    private static RunResult await(Future<RunResult> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("exploration interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("schedule failed: " + cause, cause);
        }
    }

    /** Consumes results in index order: counts, hashes, progress, strategy feedback, first failure. */
    private final class Consumer {
        final long total;
        final long every;
        final ProgressListener listener;
        // Only the size is read, so hash order cannot leak into results.
        final Set<String> hashes = new HashSet<>();
        long done;
        RunResult last;
        RunResult failure;
        long failureIndex = -1;

        Consumer(Budget budget, ProgressListener listener) {
            this.total = budget.countBounded() ? budget.schedules() : -1;
            this.every = total > 0 ? Math.max(1, Math.min(100, total / 100)) : 100;
            this.listener = listener;
        }

        /** True when exploration must stop (a violation). */
        boolean accept(long index, RunResult r) {
            done++;
            last = r;
            hashes.add(r.logSha256());
            strategy.finished(index, r);
            if (r.failed()) {
                failure = r;
                failureIndex = index;
                return true;
            }
            if (done % every == 0) {
                listener.progress(done, total, 0);
            }
            return false;
        }
    }
}
