package io.probesim.scenario;

import java.util.OptionalLong;

/**
 * The scenario's default exploration ({@code explore strategy: 'pct', depth: 3, schedules: 5000}).
 * The CLI's options override it.
 *
 * @param strategy  random, pct or dfs
 * @param depth     PCT depth d (priority change points + 1); for dfs the bound on non-default choices
 * @param schedules schedule budget
 * @param seed      empty when the script names none
 */
public record ExploreConfig(String strategy, int depth, long schedules, OptionalLong seed) {
    public static final ExploreConfig DEFAULT = new ExploreConfig("random", 3, 5000, OptionalLong.empty());
}
