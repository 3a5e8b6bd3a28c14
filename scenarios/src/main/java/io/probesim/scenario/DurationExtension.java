package io.probesim.scenario;

/**
 * Groovy extension module on {@link Number}: {@code 30.us}, {@code 5.ns}, {@code 2.ms},
 * {@code 1.s}, {@code 500.ps}. Registered in META-INF/groovy so it is active in every script
 * compiled with this jar on the class path, including Spock specs.
 */
public final class DurationExtension {
    private DurationExtension() {}

    public static SimDuration getPs(Number self) { return SimDuration.of(self, SimDuration.PS); }
    public static SimDuration getNs(Number self) { return SimDuration.of(self, SimDuration.NS); }
    public static SimDuration getUs(Number self) { return SimDuration.of(self, SimDuration.US); }
    public static SimDuration getMs(Number self) { return SimDuration.of(self, SimDuration.MS); }
    public static SimDuration getS(Number self) { return SimDuration.of(self, SimDuration.S); }

    // `at 10.us { ... }` reaches Groovy as 10.us({ ... }): the unit with a trailing block.
    public static TimedBlock ps(Number self, groovy.lang.Closure<?> body) { return new TimedBlock(getPs(self), body); }
    public static TimedBlock ns(Number self, groovy.lang.Closure<?> body) { return new TimedBlock(getNs(self), body); }
    public static TimedBlock us(Number self, groovy.lang.Closure<?> body) { return new TimedBlock(getUs(self), body); }
    public static TimedBlock ms(Number self, groovy.lang.Closure<?> body) { return new TimedBlock(getMs(self), body); }
    public static TimedBlock s(Number self, groovy.lang.Closure<?> body) { return new TimedBlock(getS(self), body); }
}
