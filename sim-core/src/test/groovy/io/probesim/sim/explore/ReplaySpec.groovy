package io.probesim.sim.explore

import groovy.transform.CompileStatic
import io.probesim.sim.ChoiceKind
import io.probesim.sim.Chooser
import io.probesim.sim.ToyModel
import spock.lang.Specification

class ReplaySpec extends Specification {

    /** Delegates to a chooser and counts the stalls it injects (static: it sits on the per-step path). */
    @CompileStatic
    static class CountingChooser implements Chooser {
        final Chooser inner
        int stalls
        CountingChooser(Chooser inner) { this.inner = inner }
        int choose(ChoiceKind kind, int n) { inner.choose(kind, n) }
        int pickActor(int[] candidates) { inner.pickActor(candidates) }
        long stallAfterStep(int actor, long step) {
            long s = inner.stallAfterStep(actor, step)
            if (s > 0) stalls++
            s
        }
        int[] recorded() { inner.recorded() }
    }

    /** Three actors that also draw data choices, so replay must line up several kinds. */
    static ToyModel dataModel() {
        def m = new ToyModel([4, 3, 5])
        m.check = { ToyModel.ToyRun run, int actor, int i ->
            int v = run.sim.chooser().choose(ChoiceKind.DATA, 4)
            int one = run.sim.chooser().choose(ChoiceKind.JITTER, 1) // n = 1: never recorded
            run.sim.log().append(run.sim.now(), actor, '', 'data', 'v', v, 'one', one)
        }
        m
    }

    def "replaying a recorded random run gives the same choices and the same log hash"() {
        given:
        def model = dataModel()
        def random = Strategies.random(1234)

        expect:
        (0..<40).every { long i ->
            def r = model.run(random.chooserFor(i))
            def again = model.run(Strategies.replay(r.choices()))
            again.choices() == r.choices() && again.logSha256() == r.logSha256()
        }
    }

    def "runs that stall replay their stalls too"() {
        given: // a finite quantum makes stalls change the order; gaps reach 50k steps, so only
               // some schedules stall within 3 x 1000 steps: 9, 10 and 23 of seed 3 do
        def model = new ToyModel([1_000, 1_000, 1_000])
        model.quantum = 1
        def random = Strategies.random(3)
        int stalled = 0

        expect:
        [0, 1, 9, 10, 23].every { long i ->
            def c = new CountingChooser(random.chooserFor(i))
            def r = model.run(c)
            stalled += c.stalls
            def replay = new CountingChooser(Strategies.replay(r.choices()))
            def again = model.run(replay)
            replay.stalls == c.stalls && again.choices() == r.choices() && again.logSha256() == r.logSha256()
        }
        stalled >= 3
    }

    def "the replay chooser answers 0 when exhausted or out of range and records what it answered"() {
        given:
        def c = Strategies.replay([2, 7, 1] as int[])

        expect:
        c.choose(ChoiceKind.DATA, 1) == 0      // n = 1 consumes nothing
        c.choose(ChoiceKind.DATA, 3) == 2
        c.pickActor([0, 1, 2] as int[]) == 0   // 7 is out of range
        c.choose(ChoiceKind.TIE, 2) == 1
        c.choose(ChoiceKind.TIE, 2) == 0       // exhausted
        c.recorded() as List == [2, 0, 1, 0]
    }

    def "random schedules differ and the same seed gives the same schedule"() {
        given:
        def model = dataModel()

        expect:
        model.run(Strategies.random(5).chooserFor(3)).logSha256() == model.run(Strategies.random(5).chooserFor(3)).logSha256()
        (0..<20).collect { model.run(Strategies.random(5).chooserFor(it)).logSha256() }.toSet().size() > 10
    }
}
