package io.probesim.cli;

import java.time.Duration;

/**
 * The exploration to run: the scenario's {@code explore} defaults with the command line on top.
 *
 * @param strategy  random, pct or dfs
 * @param schedules schedule budget
 * @param seed      strategy seed (0 unless the scenario or --seed names one, so runs repeat)
 * @param jobs      worker threads; results are the same for any value
 * @param time      wall-time budget; null when unbounded
 * @param depth     PCT depth, or the dfs bound
 */
public record ExploreOptions(String strategy, long schedules, long seed, int jobs, Duration time, int depth) {}
