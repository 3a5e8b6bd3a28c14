package io.probesim.sim.explore

import io.probesim.sim.Chooser
import io.probesim.sim.ToyModel
import spock.lang.Specification

/**
 * A (actor 0) and B (actor 1) take 4 unit steps each. Invariant `lateN` breaks when B's first
 * step comes after exactly N steps of A. Choice layout with defaults (0 = lowest id): pick for
 * step 1, the GAP drawn after step 1, then one pick per step while both are runnable. So the
 * shortest sequence breaking lateN is N zero picks with the GAP 0 after the first, then a 1:
 * late1 = [0, 0, 1], late2 = [0, 0, 0, 1], early (N = 0) = [1].
 */
class ShrinkerSpec extends Specification {

    static final Map<String, List<Integer>> MINIMAL = [early: [1], late1: [0, 0, 1], late2: [0, 0, 0, 1]]

    static ToyModel model() {
        def m = new ToyModel([4, 4])
        m.invariants = ['early', 'late1', 'late2'] as LinkedHashSet
        m.check = { ToyModel.ToyRun run, int actor, int i ->
            if (actor == 1 && i == 0) {
                def name = run.done[0] == 0 ? 'early' : 'late' + run.done[0]
                run.violations.report(name, "B first stepped after ${run.done[0]} steps of A", 1)
            }
        }
        m
    }

    /** Records which invariant each run broke. */
    static class Spy implements ScheduleRunner {
        final ScheduleRunner inner
        final List<String> seen = []
        Spy(ScheduleRunner inner) { this.inner = inner }
        RunResult run(Chooser c) {
            def r = inner.run(c)
            seen << r.invariant()
            r
        }
    }

    def "shrinking keeps the same invariant even when a shorter candidate breaks another one"() {
        given: // GAP 5 is noise; dropping it gives [0, 0, 1], which breaks late1 instead
        def spy = new Spy(model())
        def failing = spy.run(Strategies.replay([0, 5, 0, 1] as int[]))

        when:
        def shrunk = Shrinker.shrink(spy, failing, 300)

        then:
        failing.invariant() == 'late2'
        'late1' in spy.seen                     // the tempting candidate was tried ...
        shrunk.invariant() == 'late2'           // ... and refused
        shrunk.choices() as List == MINIMAL.late2
    }

    def "shrinking random failures reaches the known minimum and never lengthens"() {
        given:
        def m = model()
        def random = Strategies.random(2024)
        def failures = (0..<200).collect { m.run(random.chooserFor(it)) }.findAll { it.failed() }.take(25)

        expect:
        failures.size() == 25
        failures*.invariant().toSet().size() >= 2
        failures.every { f ->
            def s = Shrinker.shrink(m, f, 300)
            s.invariant() == f.invariant() &&
                    s.choices().length <= f.choices().length &&
                    s.choices() as List == MINIMAL[f.invariant()] &&
                    m.run(Strategies.replay(s.choices())).logSha256() == s.logSha256()
        }
    }

    def "the run budget is respected"() {
        given:
        int runs = 0
        def m = model()
        def counting = { Chooser c -> runs++; m.run(c) } as ScheduleRunner
        def failing = m.run(Strategies.replay([0, 40_000, 0, 1, 1, 1, 1] as int[]))
        runs = 0

        when:
        def s = Shrinker.shrink(counting, failing, 5)

        then:
        failing.invariant() == 'late2'
        runs <= 5
        s.invariant() == failing.invariant()
    }

    def "a passing run cannot be shrunk"() {
        when:
        Shrinker.shrink(model(), model().run(Strategies.replay(new int[0])), 10)

        then:
        thrown(IllegalArgumentException)
    }
}
