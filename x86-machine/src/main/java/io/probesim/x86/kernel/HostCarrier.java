package io.probesim.x86.kernel;

import java.util.concurrent.Semaphore;
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

    private final Semaphore toHost = new Semaphore(0);
    private final Semaphore toEngine = new Semaphore(0);
    private final Thread thread;
    private volatile boolean aborted;
    private volatile boolean finished;
    private volatile boolean started;
    private volatile Throwable failure;

    HostCarrier(String name, Consumer<HostContext> body, HostContext context) {
        thread = new Thread(() -> {
            try {
                toHost.acquireUninterruptibly();
                if (!aborted) body.accept(context);
            } catch (Abort a) {
                // the run ended; nothing to report
            } catch (Throwable t) {
                failure = t;
            } finally {
                finished = true;
                toEngine.release();
            }
        }, "probesim-host-" + name);
        thread.setDaemon(true);
    }

    /** Engine side: let the host run until its next yield point or its end. */
    void resume() {
        if (!started) {
            started = true;
            thread.start();
        }
        toHost.release();
        toEngine.acquireUninterruptibly();
    }

    /** Host side: give control back to the engine and wait to be resumed. */
    void yieldToEngine() {
        toEngine.release();
        toHost.acquireUninterruptibly();
        if (aborted) throw new Abort();
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
        toHost.release();
        toEngine.acquireUninterruptibly();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
