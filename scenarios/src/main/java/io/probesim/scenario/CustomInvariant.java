package io.probesim.scenario;

import groovy.lang.Closure;

/**
 * {@code invariant 'name', { state -> ... }}: a scenario's own safety property. The runner
 * evaluates {@code check} against a read-only view of the machine; it holds unless it returns
 * false or fails an {@code assert}.
 */
public record CustomInvariant(String name, Closure<?> check, int line) {}
