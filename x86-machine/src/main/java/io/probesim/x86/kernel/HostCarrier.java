package io.probesim.x86.kernel;

import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Carries a host task's Java code on its own thread under strict hand-off: exactly one of the
 * engine thread and this carrier runs at any time, and control passes only at the host's
 * yield points. So a host task may be written as plain sequential code (loops, Groovy
 * closures, a wait for a grace period) while the run stays a function of its choices.
 */
final class HostCarrier {

    /** Thrown inside the host code to unwind it when a run ends before the task does. */
    static final class Abort extends Error {
        Abort() {
            super("host task aborted at end of run", null, false, false);
        }
    }

    private static final int ENGINE = 0, HOST = 1;
    /**
     * Spins before parking: a hand-off then costs about a cache-line transfer instead of an
     * OS wake-up, which dominates short schedules. Short (about 100 us), so that with several
     * schedules in parallel the waiting threads soon sleep and leave the cores to the others.
     */
    private static final int SPINS = 1_000;

    /** Whose turn it is; written only by the side giving control away. */
    private volatile int turn = ENGINE;
    private volatile Thread engine;
    private final Thread thread;
    private volatile boolean aborted;
    private volatile boolean finished;
    private volatile boolean started;
    private volatile Throwable failure;

    HostCarrier(String name, Consumer<HostContext> body, HostContext context) {
        thread = new Thread(() -> {
            try {
                awaitTurn(HOST);
                if (!aborted) body.accept(context);
            } catch (Abort a) {
                // the run ended; nothing to report
            } catch (Throwable t) {
                failure = t;
            } finally {
                finished = true;
                pass(ENGINE, engine);
            }
        }, "probesim-host-" + name);
        thread.setDaemon(true);
    }

    /** Engine side: let the host run until its next yield point or its end. */
    void resume() {
        engine = Thread.currentThread();
        if (!started) {
            started = true;
            thread.start();
        }
        pass(HOST, thread);
        awaitTurn(ENGINE);
    }

    /** Host side: give control back to the engine and wait to be resumed. */
    void yieldToEngine() {
        // Unwinding after an abort (finally blocks that charge or wait, as stop_machine's
        // release spin does): keep unwinding, never hand control back to an engine that is
        // already waiting in join().
        if (aborted) throw new Abort();
        pass(ENGINE, engine);
        awaitTurn(HOST);
        if (aborted) throw new Abort();
    }

    private void pass(int to, Thread waiter) {
        turn = to;
        LockSupport.unpark(waiter);
    }

    private void awaitTurn(int who) {
        for (int i = 0; i < SPINS && turn != who; i++) Thread.onSpinWait();
        while (turn != who) LockSupport.park(this);
    }

    boolean finished() {
        return finished;
    }

    Throwable failure() {
        return failure;
    }

    /** Unwinds a host task that has not finished and waits for its thread to end. */
    void abort() {
        if (!started || finished) return;
        aborted = true;
        engine = Thread.currentThread();
        pass(HOST, thread);
        awaitTurn(ENGINE);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
