package io.probesim.scenario;

import groovy.lang.Closure;

/** {@code 10.us { ... }}: how Groovy hands {@code at 10.us { ... }} to {@link ScenarioBlock#at}. */
public record TimedBlock(SimDuration time, Closure<?> body) {}
