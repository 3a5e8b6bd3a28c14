package io.probesim.scenario.run

import io.probesim.sim.explore.Budget
import io.probesim.sim.explore.Explorer
import io.probesim.sim.explore.ReplayToken
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

/**
 * Row S20 of shared/spec/invariants.md in both directions (scenarios/examples/s20-removed-during-hit.groovy):
 * a probe unregistered on another CPU between a CPU's int3 and its do_int3 (spec kprobes-x86.md
 * 2.7). With the check the kernel restarts the instruction; without it (knob noRemovedProbeCheck)
 * the int3 is nobody's and the kernel oopses.
 */
class RemovedProbeMatrixSpec extends Specification {

    static final long SAFE_BUDGET = Long.getLong('probesim.safeBudget', 1000)

    def "S20 unsafe: with --knob noRemovedProbeCheck the explorer finds no-oops and the token replays it"() {
        given:
        def runner = Examples.runner('s20', ['noRemovedProbeCheck'])

        when:
        def result = new Explorer(runner, Strategies.random(1), 'spec').explore(Budget.schedules(500), 2, { d, t, v -> })

        then:
        result.violation().isPresent()
        def found = result.violation().get()
        found.shrunk().violation().get().invariant() == 'no-oops'
        found.shrunk().violation().get().message() ==~ /.*int3 at 0x[0-9a-f]+ that no one handles.*/

        when: 'the shrunk choices are replayed twice'
        def token = ReplayToken.decode(found.token())
        def again = runner.run(Strategies.replay(token.choices()))
        def third = runner.run(Strategies.replay(token.choices()))

        then: 'the same violation, the same event log'
        again.violation().get().invariant() == 'no-oops'
        again.violation().get().message() == found.shrunk().violation().get().message()
        again.logSha256() == found.shrunk().logSha256()
        third.logSha256() == again.logSha256()
    }

    def "S20 safe: with the check no schedule of #budget oopses, and the race does happen (kprobe-gone restarts)"() {
        given:
        def runner = Examples.runner('s20')
        int restarts = 0
        def counting = { c ->
            def r = runner.run(c)
            if (r.log().events().any { it.kind() == 'kprobe-gone' }) restarts++
            r
        } as io.probesim.sim.explore.ScheduleRunner

        when:
        def result = new Explorer(counting, Strategies.random(7), 'spec').explore(Budget.schedules(budget), 1, { d, t, v -> })

        then:
        result.violation().isEmpty()
        result.schedules() == budget
        restarts > 0                      // the window was hit and the check turned it into a restart

        where:
        budget = SAFE_BUDGET
    }
}
