package io.probesim.scenario.run

import io.probesim.sim.explore.Budget
import io.probesim.sim.explore.Explorer
import io.probesim.sim.explore.ReplayToken
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

/**
 * The optprobes rows of shared/spec/invariants.md (S3, S4, S11, S12, B2) in both directions:
 * with the knob (or the era) that drops the measure, the explorer finds the row's invariant and
 * the replay token reproduces it with the same event log; as shipped, no violation.
 */
class OptimizerMatrixSpec extends Specification {

    /** Schedules for the safe direction (the acceptance runs 5,000 through the CLI). */
    static final long SAFE_BUDGET = Long.getLong('probesim.optSafeBudget', 200)

    def "#row safe: as shipped, no violation in #budget random schedules"() {
        given:
        def explorer = new Explorer(Examples.runner(row), Strategies.random(7), 'spec')

        when:
        def result = explorer.explore(Budget.schedules(budget), 2, { d, t, v -> })

        then:
        result.violation().isEmpty()
        result.schedules() == budget

        where:
        row << ['s3', 's4', 's11', 's12', 'b2']
        budget = SAFE_BUDGET
    }

    def "s12: hits between the OPTIMIZED flag and the jump really happen, and run the detour copy"() {
        given:
        def runner = Examples.runner('s12')

        when:
        def out = runner.execute(Strategies.random(3).chooserFor(0))
        def events = out.result().log().events()
        long flagged = events.find { it.kind() == 'optprobe-queued' }.seq()
        long written = events.find { it.kind() == 'opt-jump-written' }.seq()

        then: 'int3 hits after the flag and before the jump were sent to the detour copy, none single-stepped'
        events.count { it.kind() == 'kprobe-detour' && it.seq() > flagged && it.seq() < written } > 0
        events.count { it.kind() == 'kprobe-ss' && it.seq() > flagged && it.seq() < written } == 0
        and: 'after the jump, hits go through the detour buffer'
        events.count { it.kind() == 'opt-hit' && it.seq() > written } > 0
        out.result().violation().isEmpty()
    }

    def "s3: a CPU between an int3 and do_int3 while the jump's tail is written does not resume inside the region"() {
        given: 'schedule 333 of `probesim explore s3 --seed 1`: the worker takes the probe int3 and the optimizer writes the jump before the worker runs do_int3'
        def runner = Examples.runner('s3')
        def token = ReplayToken.decode('ps1.ASNlcmE9bW9kZXJuO2tub2JzPTtzY2VuYXJpbz04YTFhMWQyNinUAhjaDAAA2tsDABgCAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACQJyNGH')

        when:
        def result = runner.run(Strategies.replay(token.choices()))
        def events = result.log().events()
        def tail = events.find { it.kind() == 'text-write' && it.field('why').startsWith('optimize') && it.field('old').length() > 2 }
        def trap = events.findAll { it.kind() == 'int3' && it.task() == 'worker' && it.seq() < tail.seq() }.last()
        def done = events.find { it.kind() == 'int3-done' && it.task() == 'worker' && it.seq() > trap.seq() }

        then: 'the race: the tail is written after the trap and before its handlers ran'
        done == null || done.seq() > tail.seq()
        and: 'the frame\'s ip (int3 + 1) is do_int3\'s to set (text_poke_bp emulates the new jump there), not a return into the region'
        result.violation().isEmpty()
    }
}
