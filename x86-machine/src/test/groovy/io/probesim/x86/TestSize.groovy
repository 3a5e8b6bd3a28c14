package io.probesim.x86

/**
 * How big a heavy check runs: its CI size by default, its full size under {@code -Pslow}
 * (the parent pom passes {@code probesim.slow} to surefire). The same spec runs either way, so
 * nothing is skipped in CI; only the case count changes.
 */
final class TestSize {
    private TestSize() {}

    static boolean slow() { Boolean.getBoolean('probesim.slow') }

    static int pick(int ci, int slowProfile) { slow() ? slowProfile : ci }
}
