package io.probesim.report.measure

import spock.lang.Specification

/**
 * DESIGN.md's scale target, not timed here (the JMH ScaleBenchmark reports time and heap):
 * 10,000 kprobes registered on one machine are all optimized and each fires once through its
 * detour, no trap.
 */
class ScaleRunSpec extends Specification {
    def "10,000 kprobes are registered and optimized, and each fires once through its jump"() {
        when:
        def r = ScaleRun.run(10_000)

        then:
        r.registered() == 10_000
        r.optimized() == 10_000
        r.detourHits() == 10_000
    }
}
