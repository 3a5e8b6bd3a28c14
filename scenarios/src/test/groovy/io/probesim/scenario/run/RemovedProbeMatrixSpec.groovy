package io.probesim.scenario.run

import spock.lang.Specification

/**
 * Row S20 of shared/spec/invariants.md, the safe direction (the unsafe one is a row of
 * SafetyMatrixSpec's knob feature; scenarios/examples/s20-removed-during-hit.groovy):
 * a probe unregistered on another CPU between a CPU's int3 and its do_int3 (spec kprobes-x86.md
 * 2.7). With the check the kernel restarts the instruction; without it (knob noRemovedProbeCheck)
 * the int3 is nobody's and the kernel oopses.
 */
class RemovedProbeMatrixSpec extends Specification {

    static final long SAFE_BUDGET = Long.getLong('probesim.safeBudget', 1000)

    def "S20 safe: with the check no schedule of #budget oopses, and the race does happen (kprobe-gone restarts)"() {
        when:
        def run = Examples.exploreSafe('s20', budget, 'kprobe-gone')
        def result = run.result()

        then:
        result.violation().isEmpty()
        result.schedules() == budget
        run.raced() > 0                   // the window was hit and the check turned it into a restart

        where:
        budget = SAFE_BUDGET
    }
}
