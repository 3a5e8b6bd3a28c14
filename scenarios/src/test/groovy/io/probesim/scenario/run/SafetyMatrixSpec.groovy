package io.probesim.scenario.run

import io.probesim.sim.explore.Budget
import io.probesim.sim.explore.Explorer
import io.probesim.sim.explore.ReplayToken
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

/**
 * The unsafe direction of every knob row (S1-S6, S11, S13, S20, S22; S7-S10 and S21 have their
 * own specs for their objects and NMIs; the safe directions of S3-S6, S11-S14 and S20 are in the
 * row group's spec), and S1/S2 in both directions: with the knob the explorer
 * finds the race and its replay token reproduces it bit for bit; with the kernel as it was,
 * no violation within the budget.
 */
class SafetyMatrixSpec extends Specification {

    /** Schedules for the safe direction: the budget the acceptance asks of the CLI. */
    static final long SAFE_BUDGET = Long.getLong('probesim.safeBudget', 5000)

    static final ANY = /(?s).*/
    /** S5/S6: a CPU ran a mix of old and new bytes, or a copy fetched before, of the optimizer's 5-byte jump. */
    static final OPTIMIZER_JUMP_TORN = /(?s).*(a torn instruction|a stale copy).*5-byte text write.*\(optimize .*/

    def "#row unsafe (#how): the explorer finds #invariant and the token replays it"() {
        given:
        def runner = Examples.runner(row, knobs, era)
        def explorer = new Explorer(runner, Strategies.random(1), 'spec')

        when:
        def result = explorer.explore(Budget.schedules(500), 2, { d, t, v -> })

        then: 'found within the budget'
        result.violation().isPresent()
        def found = result.violation().get()
        found.shrunk().violation().get().invariant() == invariant
        found.shrunk().violation().get().message() ==~ message

        when: 'the shrunk choices are replayed twice'
        def token = ReplayToken.decode(found.token())
        def again = runner.run(Strategies.replay(token.choices()))
        def third = runner.run(Strategies.replay(token.choices()))

        then: 'the same violation, the same event log'
        again.violation().get().invariant() == invariant
        again.violation().get().message() == found.shrunk().violation().get().message()
        again.logSha256() == found.shrunk().logSha256()
        third.logSha256() == again.logSha256()

        where: 'message: what the race leaves in the violation (any, where the invariant says it all)'
        row   | knobs                             | era    || invariant                         | message
        's1'  | ['boostPreemptible']              | null   || 'slot-not-freed-while-in-use'     | ANY
        's2'  | ['skipSyncBeforeFree']            | null   || 'slot-not-freed-while-in-use'     | ANY
        's3'  | ['optimizeWithoutWait']           | null   || 'no-resume-inside-patched-region' | ANY
        's4'  | []                                | '2010' || 'no-resume-inside-patched-region' | ANY
        's5'  | ['pokeWithoutStopMachine']        | null   || 'no-torn-fetch'                   | OPTIMIZER_JUMP_TORN
        's6'  | ['pokeBpSkipSync']                | null   || 'no-torn-fetch'                   | OPTIMIZER_JUMP_TORN
        's11' | ['freeDetourWithoutUnoptimize']   | null   || 'slot-not-freed-while-in-use'     | ANY
        's13' | ['noReentrancyGuard']             | null   || 'no-oops'                         | ANY
        's20' | ['noRemovedProbeCheck']           | null   || 'no-oops'                         | /(?s).*int3 at 0x[0-9a-f]+ that no one handles.*/
        's22' | ['skipSyncOnUnregister']          | null   || 'no-handler-after-unregister'     | ANY
        how = knobs ? "--knob ${knobs[0]}" : "--era $era"
    }

    def "#row: #invariant alone catches the race with the knob and holds without it"() {
        when:
        def unsafe = new Explorer(Examples.runnerChecking(row, [knob], [invariant]), Strategies.random(1), 'spec')
                .explore(Budget.schedules(500), 2, { d, t, v -> })
        def safe = new Explorer(Examples.runnerChecking(row, [], [invariant]), Strategies.random(1), 'spec')
                .explore(Budget.schedules(500), 2, { d, t, v -> })

        then:
        unsafe.violation().get().shrunk().violation().get().invariant() == invariant
        safe.violation().isEmpty()

        where:
        row  | knob                 | invariant
        's1' | 'boostPreemptible'   | 'probe-transparency'
        's1' | 'boostPreemptible'   | 'no-oops'
    }

    def "#row safe: the 2006 kernel as configured holds for #budget random schedules"() {
        given:
        def explorer = new Explorer(Examples.runner(row), Strategies.random(7), 'spec')

        when:
        def result = explorer.explore(Budget.schedules(budget), 2, { d, t, v -> })

        then:
        result.violation().isEmpty()
        result.schedules() == budget
        result.distinctInterleavings() > budget / 2

        where:
        row << ['s1', 's2']
        budget = SAFE_BUDGET
    }

    def "#row safe under PCT depth 3 as well"() {
        given:
        def runner = Examples.runner(row)
        def probe = runner.run(Strategies.replay(new int[0]))
        def explorer = new Explorer(runner, Strategies.pct(3, 3, probe.actors(), probe.steps()), 'spec')

        when:
        def result = explorer.explore(Budget.schedules(200), 2, { d, t, v -> })

        then:
        result.violation().isEmpty()

        where:
        row << ['s1', 's2']
    }
}
