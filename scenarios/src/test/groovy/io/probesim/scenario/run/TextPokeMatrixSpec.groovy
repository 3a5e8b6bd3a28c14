package io.probesim.scenario.run

import io.probesim.sim.explore.Budget
import io.probesim.sim.explore.Explorer
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

/**
 * Rows S5 and S6 of shared/spec/invariants.md (how the optimizer writes its 5-byte jump): the safe
 * direction, and what the knob changes in the stores (the unsafe direction, the explorer finding
 * the race, is a row of SafetyMatrixSpec's knob feature). Expectations are the kernel's reasoning (shared/spec/kprobes-x86.md 3.5) and the
 * SDM's cross-modifying-code rule (vol. 3, 8.1.3): under stop_machine (2010 text_poke_smp) or
 * with text_poke_bp's core syncs no CPU executes a mix of old and new bytes or a copy fetched
 * before a write that has ended; without them (the row's knob) some schedule does.
 */
class TextPokeMatrixSpec extends Specification {

    /** Schedules for the safe direction in CI (the CLI acceptance runs 5,000). */
    static final long SAFE_BUDGET = Long.getLong('probesim.safeBudget', 1000)

    def "#row safe: the jump is written #how, cpu 0 misses stores in some schedules, and #budget random schedules hold"() {
        given:
        def runner = Examples.runner(row)

        when: 'one schedule'
        def one = runner.run(Strategies.random(3).chooserFor(0))
        def events = one.log().events()
        def writes = events.findAll { it.kind() == 'text-write' && it.field('why').startsWith('optimize') }

        then: 'the jump is written in the era protocol\'s stores, then cpu 0 runs through the detour buffer'
        one.violation().isEmpty()
        writes*.field('new')*.length() == storeHexLengths
        events.any { it.kind() == marker }
        events.any { it.kind() == 'opt-jump-written' }
        events.findAll { it.kind() == 'opt-hit' }.size() > 0

        when:
        def result = new Explorer(runner, Strategies.random(7), 'spec').explore(Budget.schedules(budget), 2, { d, t, v -> })

        then:
        result.violation().isEmpty()
        result.schedules() == budget

        where: 'memcpy: a 4-byte then a 1-byte store (TextPatcher); text_poke_bp: int3, the 4-byte tail, e9'
        row  | how                                   | marker           | storeHexLengths
        's5' | 'under stop_machine (text_poke_smp)'  | 'stop-machine'   | [8, 2]
        's6' | 'with core syncs (text_poke_bp)'      | 'sync-core-done' | [2, 8, 2]
        budget = SAFE_BUDGET
    }

    def "#row: with the knob, cpu 0 really runs while the jump is written (stores between no stopper and no sync)"() {
        when:
        def one = Examples.runner(row, [knob]).run(Strategies.random(3).chooserFor(0))
        def events = one.log().events()

        then:
        !events.any { it.kind() == absent }
        events.any { it.kind() == 'opt-jump-begin' }

        where:
        row  | knob                     | absent
        's5' | 'pokeWithoutStopMachine' | 'stop-machine'
        's6' | 'pokeBpSkipSync'         | 'sync-core'
    }
}
