package io.probesim.sim;

/** Something that steps in simulated time: a CPU. The engine knows nothing else of it. */
public interface Actor {
    int id();

    /** Picoseconds. */
    long localTime();

    /** False: asleep until an event wakes it. */
    boolean runnable();

    /** One step; must advance localTime (or become not runnable). */
    void step();

    /** Advance localTime by ps without doing anything. */
    void stall(long ps);
}
