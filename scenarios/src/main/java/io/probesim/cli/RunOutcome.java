package io.probesim.cli;

/**
 * The result of {@code run} or {@code replay}.
 *
 * @param violation      one line naming the broken invariant, or null when every invariant held
 * @param report         text printed as is (violation report with its trace, or a summary); may be empty
 * @param token          replay token of the schedule that ran
 * @param eventLogSha256 hex SHA-256 of the run's event log
 */
public record RunOutcome(String violation, String report, String token, String eventLogSha256) {
    public boolean violated() { return violation != null; }
}
