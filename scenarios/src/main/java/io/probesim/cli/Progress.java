package io.probesim.cli;

/** Exploration progress, same shape as sim-core's ProgressListener; may be called from several threads. */
@FunctionalInterface
public interface Progress {
    void update(long done, long total, long violations);
}
