package io.probesim.sim.explore

import io.probesim.sim.ChoiceKind
import io.probesim.sim.Chooser
import io.probesim.sim.ToyModel
import spock.lang.Specification

/**
 * Depth-2 ordering bug: A (actor 0) sets x = 1 at its first step and x = 0 at its last (4th);
 * B (actor 1) reads x at its first step and fails if it sees 1. The bug needs two ordering
 * constraints, a1 < b1 and b1 < a4: its depth is 2 (neither alone suffices).
 * k = 8 steps in all, n = 2, so PCT with d = 2 promises at least 1/(n k) = 1/16 per run.
 * (Here: A must get the higher priority, 1/2, and the single change point must fall on one of
 * A's steps 1..3, 3/8: 3/16 exactly.)
 */
class PctSpec extends Specification {

    static ToyModel depthTwo() {
        def m = new ToyModel([4, 4])
        m.invariants = ['x-reset-before-read'] as Set
        m.check = { ToyModel.ToyRun run, int actor, int i ->
            if (actor == 0 && i == 0) run.vars.x = 1
            if (actor == 0 && i == 3) run.vars.x = 0
            if (actor == 1 && i == 0 && run.vars.x == 1) {
                run.violations.report('x-reset-before-read', 'B read x = 1 between A\'s set and reset', 1)
            }
        }
        m
    }

    /** Depth-1 bug: B's first step must not come before A's first step. */
    static ToyModel depthOne() {
        def m = new ToyModel([3, 3])
        m.invariants = ['a-first'] as Set
        m.check = { ToyModel.ToyRun run, int actor, int i ->
            if (actor == 1 && i == 0 && run.done[0] == 0) {
                run.violations.report('a-first', 'B stepped before A', 1)
            }
        }
        m
    }

    /** The control: a scheduler that never deviates from the default. */
    static Chooser alwaysZero() {
        new Chooser() {
            int choose(ChoiceKind kind, int n) { 0 }
            int pickActor(int[] candidates) { 0 }
            long stallAfterStep(int actor, long step) { 0 }
            int[] recorded() { new int[0] }
        }
    }

    static int hits(ToyModel model, int runs, Closure<Chooser> chooserFor) {
        (0..<runs).count { model.run(chooserFor(it as long)).failed() } as int
    }

    def "the bound is 1/(n k^(d-1))"() {
        expect:
        Strategies.pctBound(2, 8, 2) == 1 / 16d
        Strategies.pctBound(3, 10, 3) == 1 / 300d
        Strategies.pctBound(4, 100, 1) == 1 / 4d
    }

    def "over 2,000 seeds PCT hits the depth-2 bug at least as often as its bound; the default scheduler never does"() {
        given:
        def model = depthTwo()
        int runs = 2_000
        double bound = Strategies.pctBound(2, 8, 2)
        def pct = Strategies.pct(20100313L, 2, 2, 8)

        when:
        int pctHits = hits(model, runs, { long i -> pct.chooserFor(i) })
        int controlHits = hits(model, 50, { long i -> alwaysZero() })

        then: // one-sided: the bound itself (125 of 2,000); the exact rate is 3/16 (375)
        pctHits >= bound * runs
        controlHits == 0
    }

    def "PCT with depth 1 never deviates from priority order, so it cannot hit a depth-2 bug"() {
        expect:
        hits(depthTwo(), 200, { long i -> Strategies.pct(5, 1, 2, 8).chooserFor(i) }) == 0
    }

    def "random walk hits a depth-1 bug about half of the time"() {
        given:
        def random = Strategies.random(99)

        when:
        int h = hits(depthOne(), 400, { long i -> random.chooserFor(i) })

        then: // B is picked first with probability 1/2
        h > 400 * 0.35
        h < 400 * 0.65
        hits(depthOne(), 50, { long i -> alwaysZero() }) == 0
    }

    def "PCT runs are reproduced exactly by the replay chooser"() {
        given:
        def model = depthTwo()
        def pct = Strategies.pct(77, 3, 2, 8)

        expect:
        (0..<50).every { long i ->
            def r = model.run(pct.chooserFor(i))
            def again = model.run(Strategies.replay(r.choices()))
            again.choices() == r.choices() && again.logSha256() == r.logSha256() && again.invariant() == r.invariant()
        }
    }
}
