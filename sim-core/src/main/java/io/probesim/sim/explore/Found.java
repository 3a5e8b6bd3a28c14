package io.probesim.sim.explore;

/** A violation found by exploration: the schedule that hit it, the shrunk run, and the token that replays the shrunk run. */
public record Found(long scheduleIndex, RunResult original, RunResult shrunk, String token) {}
