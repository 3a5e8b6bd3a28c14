package io.probesim.scenario.run

import io.probesim.sim.explore.Budget
import io.probesim.sim.explore.Explorer
import io.probesim.sim.explore.ReplayToken
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

/**
 * Row S21 of shared/spec/invariants.md in both directions (scenarios/examples/s21-int3-in-nmi.groovy):
 * the iret ending a kprobe hit inside the NMI handler re-opens NMIs (SDM vol. 3, 6.7.1; seed
 * 001); without Linux's nesting protection a second NMI overwrites the first one's frame on the
 * NMI stack, with it the second NMI becomes a repeat of the handler.
 */
class NmiMatrixSpec extends Specification {

    static final long SAFE_BUDGET = Long.getLong('probesim.safeBudget', 1000)

    def "S21 unsafe: with --knob noNmiNestingGuard the explorer finds nmi-frame-integrity and the token replays it"() {
        given:
        def runner = Examples.runner('s21', ['noNmiNestingGuard'])

        when:
        def result = new Explorer(runner, Strategies.random(1), 'spec').explore(Budget.schedules(500), 2, { d, t, v -> })

        then:
        result.violation().isPresent()
        def found = result.violation().get()
        found.shrunk().violation().get().invariant() == 'nmi-frame-integrity'
        found.shrunk().violation().get().message().contains('wrote its frame over the frame of the NMI in progress')

        when:
        def token = ReplayToken.decode(found.token())
        def again = runner.run(Strategies.replay(token.choices()))

        then:
        again.violation().get().invariant() == 'nmi-frame-integrity'
        again.logSha256() == found.shrunk().logSha256()
    }

    def "S21 safe: with Linux's guard no schedule of #budget overwrites a frame, and nested NMIs do occur (as repeats)"() {
        when:
        def run = Examples.exploreSafe('s21', budget, 'nmi-repeat')
        def result = run.result()

        then:
        result.violation().isEmpty()
        result.schedules() == budget
        run.raced() > 0                   // the race happened and the guard turned it into a repeat

        where:
        budget = SAFE_BUDGET
    }
}
