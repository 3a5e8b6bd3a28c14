package io.probesim.sim.explore

import io.probesim.sim.Chooser
import io.probesim.sim.ToyModel
import java.time.Duration
import spock.lang.Specification

class ExplorerSpec extends Specification {

    /** Breaks when the first three steps are actor 2, then 1, then 0: 1/27 of random schedules. */
    static ToyModel rare(boolean enabled = true) {
        def m = new ToyModel([3, 3, 3])
        m.invariants = enabled ? ['not-210'] as Set : [] as Set
        m.check = { ToyModel.ToyRun run, int actor, int i ->
            def steps = run.sim.log().events().findAll { it.kind() == 'step' }*.cpu()
            if (steps == [2, 1, 0]) {
                run.violations.report('not-210', 'the first steps were 2, 1, 0', actor)
            }
        }
        m
    }

    /** Wraps a strategy and keeps each consumed schedule's hash by index. */
    static class Recording implements Strategy {
        final Strategy inner
        final Map<Long, String> hashes = new TreeMap<>()
        Recording(Strategy inner) { this.inner = inner }
        String name() { inner.name() }
        Chooser chooserFor(long i) { inner.chooserFor(i) }
        void finished(long i, RunResult r) { hashes[i] = r.logSha256() }
        boolean parallelSafe() { inner.parallelSafe() }
    }

    def "serial and jobs = 2 find the same violation with the same token"() {
        given:
        def serial = new Explorer(rare(), Strategies.random(11), 'toy:rare').explore(Budget.schedules(500), 1, null)
        def parallel = new Explorer(rare(), Strategies.random(11), 'toy:rare').explore(Budget.schedules(500), 2, null)

        expect:
        serial.violation().isPresent()
        serial.violation().get().scheduleIndex() == parallel.violation().get().scheduleIndex()
        serial.violation().get().token() == parallel.violation().get().token()
        serial.schedules() == serial.violation().get().scheduleIndex() + 1
        serial.schedules() == parallel.schedules()
        serial.distinctInterleavings() == parallel.distinctInterleavings()
    }

    def "the found token replays the shrunk failure"() {
        given:
        def model = rare()
        def found = new Explorer(model, Strategies.random(11), 'toy:rare').explore(Budget.schedules(500), 1, null).violation().get()

        when:
        def token = ReplayToken.decode(found.token())
        def replayed = model.run(Strategies.replay(token.choices()))

        then:
        token.config() == 'toy:rare'
        token.choices() == found.shrunk().choices()
        found.shrunk().choices().length <= found.original().choices().length
        replayed.invariant() == 'not-210'
        replayed.logSha256() == found.shrunk().logSha256()
        // pick actor 2 of {0,1,2}, the GAP after step 1 = 0, pick actor 1 of {0,1,2}; actor 0 is the default
        token.choices() as List == [2, 0, 1]
    }

    def "without a violation serial and parallel see the same schedules, hash by hash"() {
        given:
        def a = new Recording(Strategies.random(42))
        def b = new Recording(Strategies.random(42))
        def c = new Recording(Strategies.random(42))

        when:
        def r1 = new Explorer(rare(false), a, 'toy').explore(Budget.schedules(300), 1, null)
        def r2 = new Explorer(rare(false), b, 'toy').explore(Budget.schedules(300), 1, null)
        def r3 = new Explorer(rare(false), c, 'toy').explore(Budget.schedules(300), 2, null)

        then:
        r1.schedules() == 300
        a.hashes.size() == 300
        a.hashes == b.hashes                      // same seed, same schedules
        a.hashes == c.hashes                      // and the same in parallel
        r1.distinctInterleavings() == a.hashes.values().toSet().size()
        r3.distinctInterleavings() == r1.distinctInterleavings()
        r1.distinctInterleavings() > 100          // 1680 interleavings exist; 300 draws find many
        r1.violation().isEmpty()
        r1.last() != null
    }

    def "a wall-time budget ends an unbounded exploration"() {
        when:
        def r = new Explorer(rare(false), Strategies.random(1), 'toy').explore(Budget.wallTime(Duration.ofMillis(300)), 2, null)

        then:
        r.schedules() > 0
        r.schedulesPerSecond() > 0
    }

    def "progress is reported in steps of about 1% and ends with the total"() {
        given:
        def calls = []

        when:
        new Explorer(rare(false), Strategies.random(1), 'toy').explore(Budget.schedules(400), 1,
                { long done, long total, long v -> calls << [done, total, v] } as ProgressListener)

        then:
        calls.size() >= 100
        calls.every { it[1] == 400 && it[2] == 0 }
        calls*.getAt(0) == calls*.getAt(0).sort(false)
        calls.last() == [400L, 400L, 0L]
    }
}
