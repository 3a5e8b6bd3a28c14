package io.probesim.scenario.run

import io.probesim.sim.explore.Budget
import io.probesim.sim.explore.Explorer
import io.probesim.sim.explore.ReplayToken
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

/**
 * Rows S13, S14 and S22 of shared/spec/invariants.md (the kprobes family) in both directions:
 * with the knob the explorer finds the row's invariant broken and the replay token reproduces
 * it with the same event log; with the kernel's measure in place, no violation in the budget.
 * S14 is functional (no knob): only the safe direction exists.
 */
class FamilyMatrixSpec extends Specification {

    /** Schedules for the safe direction in CI; the CLI acceptance runs use 5000. */
    static final long SAFE_BUDGET = Long.getLong('probesim.safeBudget', 1000)

    def "#row safe: the kernel as configured holds for #budget random schedules"() {
        given:
        def explorer = new Explorer(Examples.runner(row), Strategies.random(7), 'spec')

        when:
        def result = explorer.explore(Budget.schedules(budget), 2, { d, t, v -> })

        then:
        result.violation().isEmpty()
        result.schedules() == budget

        where:
        row << ['s13', 's14', 's22']
        budget = SAFE_BUDGET
    }

    def "s14: the single instance is taken, nested and preempted calls miss, and every miss is counted"() {
        given: 'one schedule of s14, read through its event log'
        def result = Examples.runner('s14').run(Strategies.random(3).chooserFor(0))
        def kinds = result.log().events().collect { it.kind() }

        expect: 'calls were protected and returned through the trampoline, and others missed'
        result.violation().isEmpty()
        kinds.count('kretprobe-entry') >= 1
        kinds.count('kretprobe-return') >= 1
        kinds.count('kretprobe-miss') >= 4          // fact(5): at least the 4 nested calls of the first protected call
        // each hit of fact's entry is either protected or missed (maxactive 1)
        kinds.count('kretprobe-entry') + kinds.count('kretprobe-miss') ==
                result.log().events().count { it.kind() == 'int3' && it.field('ip') == firstEntryIp(result) }
    }

    private static String firstEntryIp(result) {
        result.log().events().find { it.kind() == 'kretprobe-register' }.field('addr')
    }
}
