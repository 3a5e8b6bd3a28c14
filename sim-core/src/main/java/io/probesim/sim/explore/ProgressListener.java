package io.probesim.sim.explore;

/** Exploration progress; total is -1 when the schedule count is unbounded. */
public interface ProgressListener {
    ProgressListener NONE = (done, total, violations) -> {};

    void progress(long done, long total, long violations);
}
