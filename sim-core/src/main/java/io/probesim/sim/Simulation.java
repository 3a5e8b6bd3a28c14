package io.probesim.sim;

import io.probesim.sim.log.EventLog;
import java.util.Arrays;
import java.util.Objects;

/**
 * The engine: timed events plus actors stepping in simulated time. Each round fires every
 * event due at or before the earliest runnable actor's local time (by (time, insertion seq)),
 * otherwise steps one actor: the earliest, or the chooser's pick among those within
 * {@code quantumPs} of it. The step path allocates nothing.
 */
public final class Simulation {
    private final Chooser chooser;
    private final EventLog log;
    private final long quantum;
    private final EventQueue events = new EventQueue();

    private Actor[] actors = new Actor[0];
    // Per-round scratch: cached state and candidate arrays, one per candidate count, reused.
    private long[] times = new long[0];
    private boolean[] ready = new boolean[0];
    private int[] scratch = new int[0];
    private int[][] candidatesByCount = new int[1][];

    private long now;
    private long timeLimit = Long.MAX_VALUE;
    private long steps;
    private boolean stopped;
    private String stopReason;

    public Simulation(Chooser chooser, EventLog log, long quantumPs) {
        if (quantumPs < 0) {
            throw new IllegalArgumentException("quantum must be >= 0: " + quantumPs);
        }
        this.chooser = Objects.requireNonNull(chooser, "chooser");
        this.log = Objects.requireNonNull(log, "log");
        this.quantum = quantumPs;
    }

    /** Actors must be added with ids 0..n-1 in order (ids index the engine's arrays). */
    public void addActor(Actor a) {
        int n = actors.length;
        if (a.id() != n) {
            throw new IllegalArgumentException("actor ids must be 0..n-1 in order: expected " + n + ", got " + a.id());
        }
        actors = Arrays.copyOf(actors, n + 1);
        actors[n] = a;
        times = new long[n + 1];
        ready = new boolean[n + 1];
        scratch = new int[n + 1];
        candidatesByCount = new int[n + 2][];
        for (int c = 2; c <= n + 1; c++) {
            candidatesByCount[c] = new int[c];
        }
    }

    public int actorCount() {
        return actors.length;
    }

    public Actor actor(int id) {
        return actors[id];
    }

    /** A timed event: fires before any actor step at a time >= timePs. */
    public void at(long timePs, Runnable action) {
        events.push(timePs, Objects.requireNonNull(action, "action"));
    }

    public int pendingEvents() {
        return events.size();
    }

    /** Time of the step or event being executed (the last one, between runs). */
    public long now() {
        return now;
    }

    public Chooser chooser() {
        return chooser;
    }

    public EventLog log() {
        return log;
    }

    public long quantum() {
        return quantum;
    }

    /** Ends {@link #run(long)} after the current step or event; the first reason is kept. */
    public void stop(String reason) {
        if (!stopped) {
            stopped = true;
            stopReason = reason;
        }
    }

    public boolean stopped() {
        return stopped;
    }

    /** Null unless stopped. */
    public String stopReason() {
        return stopReason;
    }

    /** Steps taken so far (over all runs); the step passed to stallAfterStep is this count after the step. */
    public long steps() {
        return steps;
    }

    /**
     * The earliest simulated time at which the engine would do something other than step the
     * current actor again: the next event's time, or just past the running time limit. An actor
     * that is the only runnable one may execute several of its own steps within one
     * {@link Actor#step()} while its local time stays below this, and the run is the same as
     * with one engine step each, provided the chooser does not perturb steps (stalls are drawn
     * per engine step) and the actor ends its batch at anything that may schedule an event.
     */
    public long deadline() {
        long limit = timeLimit == Long.MAX_VALUE ? Long.MAX_VALUE : timeLimit + 1;
        return events.isEmpty() ? limit : Math.min(limit, events.peekTime());
    }

    /** Loops until stop(), the time limit, or nothing runnable and no events. A stopped simulation stays stopped. */
    public RunStatus run(long timeLimitPs) {
        timeLimit = timeLimitPs;
        final Actor[] as = actors;
        final int n = as.length;
        final long[] ts = times;
        final boolean[] rd = ready;
        while (true) {
            if (stopped) {
                return RunStatus.STOPPED;
            }
            long earliest = Long.MAX_VALUE;
            int runnable = 0;
            for (int i = 0; i < n; i++) {
                Actor a = as[i];
                boolean r = a.runnable();
                rd[i] = r;
                if (r) {
                    long t = a.localTime();
                    ts[i] = t;
                    if (t < earliest) {
                        earliest = t;
                    }
                    runnable++;
                }
            }
            if (!events.isEmpty()) {
                long et = events.peekTime();
                if (runnable == 0 || et <= earliest) {
                    if (et > timeLimitPs) {
                        return RunStatus.TIME_LIMIT;
                    }
                    now = et;
                    // Re-scan after every event: it may wake, put to sleep or move an actor.
                    ((Runnable) events.pop()).run();
                    continue;
                }
            }
            if (runnable == 0) {
                return RunStatus.QUIESCENT;
            }
            if (earliest > timeLimitPs) {
                return RunStatus.TIME_LIMIT;
            }
            long horizon = earliest + quantum;
            if (horizon < earliest) {
                horizon = Long.MAX_VALUE; // saturate: quantum = Long.MAX_VALUE means "all runnable actors tie"
            }
            int count = 0;
            for (int i = 0; i < n; i++) {
                if (rd[i] && ts[i] <= horizon) {
                    scratch[count++] = i;
                }
            }
            int chosen;
            if (count == 1) {
                chosen = scratch[0];
            } else {
                int[] candidates = candidatesByCount[count];
                System.arraycopy(scratch, 0, candidates, 0, count);
                int pick = chooser.pickActor(candidates);
                if (pick < 0 || pick >= count) {
                    throw new IllegalStateException("chooser picked index " + pick + " of " + count + " candidates");
                }
                chosen = candidates[pick];
            }
            Actor a = as[chosen];
            now = ts[chosen];
            a.step();
            steps++;
            long stall = chooser.stallAfterStep(chosen, steps);
            if (stall > 0) {
                a.stall(stall);
            }
        }
    }

    /**
     * Asked by the actor being stepped, at a point where its step would end having changed
     * nothing but its own local time (a host task's charge, whose hand-off back to the engine
     * costs two thread switches): whether this loop would then, drawing no choice, firing no
     * event and stepping no other actor, count the step and step that same actor again at once.
     * When so, the step is counted here as the loop counts it and the caller goes on as if it had
     * been stepped again: the same run, without the hand-off. Called only while the engine waits
     * for the caller (never concurrently with the loop).
     */
    public boolean continueInline(Actor a) {
        if (stopped) {
            return false;
        }
        long t = a.localTime();
        if (t > timeLimit || (!events.isEmpty() && events.peekTime() <= t)) {
            return false;
        }
        long horizon = t + quantum;
        if (horizon < t) {
            horizon = Long.MAX_VALUE;
        }
        for (Actor o : actors) {
            if (o != a && o.runnable() && o.localTime() <= horizon) {
                return false;               // it would step first, or tie (a choice)
            }
        }
        if (chooser.mayStallAfterStep(steps + 1)) {
            return false;
        }
        steps++;                            // stallAfterStep(a, steps) would return 0 and record nothing
        now = t;
        return true;
    }
}
