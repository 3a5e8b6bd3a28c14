package io.probesim.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * Shows exploration progress on stderr: a progress bar on a terminal, otherwise plain lines
 * {@code explored 1200/5000 schedules (0 violations)} at most every tenth of the budget, so a
 * CI log stays short. Engines may call it from several threads.
 */
final class ProgressReporter implements Progress, AutoCloseable {
    private final PrintWriter err;
    private final ProgressBar bar;
    private long lastDecile = 0;
    private long lastDone = -1;

    ProgressReporter(PrintWriter err, PrintStream terminal, long total) {
        this.err = err;
        this.bar = terminal == null ? null : new ProgressBarBuilder()
                .setTaskName("explore")
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(terminal))
                .build();
    }

    @Override
    public synchronized void update(long done, long total, long violations) {
        if (bar != null) {
            if (total > 0 && bar.getMax() != total) {
                bar.maxHint(total);
            }
            bar.stepTo(done);
            bar.setExtraMessage(violations + (violations == 1 ? " violation" : " violations"));
            return;
        }
        if (total <= 0 || done == lastDone) {
            return;
        }
        long decile = Math.min(10, done * 10 / total);
        if (decile > lastDecile || done == total) {
            lastDecile = decile;
            lastDone = done;
            err.println("explored " + done + "/" + total + " schedules (" + violations
                    + (violations == 1 ? " violation)" : " violations)"));
            err.flush();
        }
    }

    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
