package io.probesim.cli;

/**
 * The result of {@code explore}.
 *
 * @param violation             one line naming the broken invariant, or null
 * @param report                text printed as is (the shrunk violation's report and trace); may be empty
 * @param schedules             schedules run
 * @param schedulesPerSecond    throughput
 * @param distinctInterleavings distinct event-log hashes seen
 * @param token                 replay token of the (shrunk) violation, or of the last schedule when none
 * @param eventLogSha256        hex SHA-256 of the event log of the last schedule run (the shrunk violation when found)
 */
public record ExploreOutcome(String violation, String report, long schedules, double schedulesPerSecond,
                             long distinctInterleavings, String token, String eventLogSha256) {
    public boolean violated() { return violation != null; }
}
