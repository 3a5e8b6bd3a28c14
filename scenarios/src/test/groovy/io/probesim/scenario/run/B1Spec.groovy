package io.probesim.scenario.run

import io.probesim.scenario.ProbesConfig
import io.probesim.sim.explore.Budget
import io.probesim.sim.explore.Explorer
import io.probesim.sim.explore.ReplayToken
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

/**
 * B1 of shared/spec/invariants.md (scenarios/examples/b1-booster-rcu-tasks.groovy): the 2006
 * booster on CONFIG_PREEMPT with synchronize_rcu_tasks before a slot is freed. Expected result
 * (invariants.md): "S1's race holds, and the booster keeps its speed-up". Against: S1's own
 * failure (a task preempted in a boosted slot, the slot reused) when the wait is plain
 * synchronize_sched; and the trap count of a hit (a boosted hit takes the int3 only, a
 * single-stepped one the int3 and a debug trap: seed 000).
 */
class B1Spec extends Specification {

    static final long SAFE_BUDGET = Long.getLong('probesim.safeBudget', 1000)

    /** The B1 scenario without the design, with S1's knob: boost on PREEMPT, plain synchronize_sched. */
    static ScenarioRunner withoutRcuTasks() {
        def s = Examples.load('b1')
        new ScenarioRunner(new ScenarioImage(s.withProbes(new ProbesConfig(s.probes().era(), ['boostPreemptible'], s.probes().blacklist(), []))))
    }

    def "B1 holds: no schedule of #budget frees a slot in use, breaks transparency or oopses"() {
        when:
        def result = new Explorer(Examples.runner('b1'), Strategies.random(7), 'spec').explore(Budget.schedules(budget), 2, { d, t, v -> })

        then:
        result.violation().isEmpty()
        result.schedules() == budget
        result.distinctInterleavings() > budget / 2

        where:
        budget = SAFE_BUDGET
    }

    def "the same workload without the RCU-tasks wait (boost on PREEMPT, synchronize_sched: S1's knob) fails, and its token replays"() {
        given:
        def runner = withoutRcuTasks()

        when:
        def result = new Explorer(runner, Strategies.random(1), 'spec').explore(Budget.schedules(500), 2, { d, t, v -> })

        then:
        result.violation().isPresent()
        def found = result.violation().get()
        found.shrunk().violation().get().invariant() == 'slot-not-freed-while-in-use'

        when:
        def again = runner.run(Strategies.replay(ReplayToken.decode(found.token()).choices()))

        then:
        again.violation().get().invariant() == 'slot-not-freed-while-in-use'
        again.logSha256() == found.shrunk().logSha256()
    }

    def "hits are boosted under B1 (one trap per hit) while S1's safe 2006 kernel single-steps them (two traps per hit)"() {
        when: 'a few schedules of each'
        Map b1 = traps(Examples.runner('b1'))
        Map s1 = traps(Examples.runner('s1'))

        then: 'B1: most hits boosted, no debug trap for them'
        b1.boosts > 0
        b1.ss - b1.debug in 0..5                 // a run may end in the middle of one step
        b1.debug < b1.int3
        (b1.int3 + b1.debug) / b1.int3 < 1.5

        and: 'S1 as the 2006 kernel ran it: no boost on CONFIG_PREEMPT, a debug trap after every int3 hit'
        s1.boosts == 0
        s1.ss > 0
        s1.ss - s1.debug in 0..5                 // a run may end in the middle of one step (5 runs)
        s1.debug > s1.int3 * 0.9
    }

    /** int3 traps, debug traps, boosted and single-stepped hits over 5 schedules. */
    static Map traps(ScenarioRunner runner) {
        Map n = [int3: 0, debug: 0, boosts: 0, ss: 0]
        for (int i = 0; i < 5; i++) {
            def r = runner.run(Strategies.random(3).chooserFor(i))
            assert r.violation().isEmpty()
            r.log().events().each {
                switch (it.kind()) {
                    case 'int3': n.int3++; break
                    case 'debug': n.debug++; break
                    case 'kprobe-boost': n.boosts++; break
                    case 'kprobe-ss': n.ss++; break
                }
            }
        }
        n
    }
}
