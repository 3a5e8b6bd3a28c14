package io.probesim.report;

/**
 * One row of a timing report: the simulated cost of one (mechanism, arch, era, variant) beside
 * the published figure. Nullable Doubles are absent values (empty CSV cells).
 *
 * @param mechanism         kprobe, kretprobe, jprobe, uprobe or uretprobe
 * @param arch              x86-32 or x86-64
 * @param era               2006, 2010, 2017 or modern
 * @param variant           the seed table's row (plain, booster, optimized, post-handler, push-emulated, ...)
 * @param hits              probe hits simulated
 * @param trapsPerHit       exceptions taken per hit
 * @param insnsPerHit       instructions executed per hit (probe overhead only)
 * @param cyclesPerHit      modelled cycles per hit
 * @param nsPerHit          cyclesPerHit at clockGhz
 * @param clockGhz          the simulated clock
 * @param publishedUs       the published figure, or null when none
 * @param publishedSource   where it was published, or null
 * @param ratioToPublished  (nsPerHit / 1000) / publishedUs, or null
 */
public record TimingRecord(String mechanism, String arch, String era, String variant, long hits,
                           double trapsPerHit, double insnsPerHit, double cyclesPerHit, double nsPerHit,
                           double clockGhz, Double publishedUs, String publishedSource, Double ratioToPublished) {

    /** A record compared with {@code published} (ratio computed here so every report agrees). */
    public static TimingRecord of(String mechanism, String arch, String era, String variant, long hits,
                                  double trapsPerHit, double insnsPerHit, double cyclesPerHit, double clockGhz,
                                  PublishedFigure published) {
        double ns = cyclesPerHit / clockGhz;
        Double us = published == null ? null : published.publishedUs();
        return new TimingRecord(mechanism, arch, era, variant, hits, trapsPerHit, insnsPerHit, cyclesPerHit, ns,
                clockGhz, us, published == null ? null : published.source(),
                us == null ? null : (ns / 1000.0) / us);
    }
}
