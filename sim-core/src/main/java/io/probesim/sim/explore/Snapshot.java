package io.probesim.sim.explore;

/** Snapshot hook: a world frozen at the end of set-up, copied for every schedule. */
public interface Snapshot<W> {
    /** A fresh, independent copy of the frozen world; safe to call from several threads. */
    W thaw();
}
