package io.probesim.scenario;

/**
 * One {@code measure} of a scenario: time a probe mechanism on the scenario's own code.
 *
 * @param mechanism kprobe or kretprobe
 * @param variant   plain, booster, optimized, post-handler (kprobe); plain, booster, optimized (kretprobe)
 * @param at        the function probed (a label of the scenario's text)
 * @param call      the function the counted loop calls (default: {@code at})
 * @param hits      counted calls
 * @param line      script line of the word
 */
public record MeasureDefinition(String mechanism, String variant, String at, String call, long hits, int line) {}
