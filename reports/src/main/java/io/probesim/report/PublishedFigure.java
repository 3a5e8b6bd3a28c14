package io.probesim.report;

/**
 * One published overhead figure (shared/spec kprobes-x86.md and uprobes-x86.md, section 5).
 *
 * @param source      where it was published, as the spec's table names it ("seed 001 (2010)")
 * @param cpu         the machine it was measured on
 * @param clockGhz    its clock, or NaN when the source does not state it
 * @param mechanism   kprobe, kretprobe, jprobe, uprobe or uretprobe
 * @param arch        x86-32 or x86-64
 * @param era         the simulator era to compare it with (2006, 2010, 2017)
 * @param variant     the table's row: plain, booster, optimized, post-handler, push-emulated, ...
 * @param publishedUs microseconds per probe hit (uprobes: per loop iteration of seed 004's test)
 */
public record PublishedFigure(String source, String cpu, double clockGhz, String mechanism, String arch,
                              String era, String variant, double publishedUs) {
    public boolean clockKnown() { return !Double.isNaN(clockGhz); }
}
