package io.probesim.sim

import io.probesim.sim.explore.Strategies
import io.probesim.sim.log.EventLog
import spock.lang.Specification

class SimulationSpec extends Specification {

    /** An actor stepping by `cost` ps, logging each step; optionally sleeps after `sleepAfter` steps. */
    static class TestActor implements Actor {
        final int id
        final Simulation sim
        long time
        long cost = 10
        boolean awake = true
        int maxSteps = Integer.MAX_VALUE
        int stepsDone
        Closure onStep

        TestActor(int id, Simulation sim, long start) {
            this.id = id
            this.sim = sim
            this.time = start
        }

        int id() { id }
        long localTime() { time }
        boolean runnable() { awake && stepsDone < maxSteps }
        void step() {
            sim.log().append(time, id, '', 'step')
            stepsDone++
            time += cost
            onStep?.call(this)
        }
        void stall(long ps) { time += ps }
    }

    /** A chooser that must never be consulted (no tie is expected). */
    static class NoTies implements Chooser {
        int choose(ChoiceKind kind, int n) { 0 }
        int pickActor(int[] candidates) { throw new AssertionError("unexpected tie among " + candidates) }
        long stallAfterStep(int actor, long step) { 0 }
        int[] recorded() { new int[0] }
    }

    /** Answers picks from a fixed list and remembers the candidate arrays it saw. */
    static class ScriptedPicks implements Chooser {
        List<Integer> picks
        List<List<Integer>> seen = []
        Map<Long, Long> stalls = [:]
        int choose(ChoiceKind kind, int n) { 0 }
        int pickActor(int[] candidates) { seen << (candidates as List<Integer>); picks.remove(0) }
        long stallAfterStep(int actor, long step) { stalls.getOrDefault(step, 0L) }
        int[] recorded() { new int[0] }
    }

    static List<String> trace(EventLog log) {
        log.events().collect { it.kind() == 'step' ? "s${it.cpu()}@${it.time()}".toString() : "${it.kind()}@${it.time()}".toString() }
    }

    def "events fire before actor steps at an equal time, equal-time events in insertion order"() {
        given:
        def log = new EventLog()
        def sim = new Simulation(new NoTies(), log, 0)
        def a = new TestActor(0, sim, 0)
        a.maxSteps = 3
        sim.addActor(a)
        sim.at(10, { log.append(sim.now(), -1, '', 'second') } as Runnable)
        sim.at(10, { log.append(sim.now(), -1, '', 'third') } as Runnable)
        sim.at(0, { log.append(sim.now(), -1, '', 'first') } as Runnable)
        sim.at(25, { log.append(sim.now(), -1, '', 'late') } as Runnable)

        expect:
        sim.run(1_000) == RunStatus.QUIESCENT
        trace(log) == ['first@0', 's0@0', 'second@10', 'third@10', 's0@10', 's0@20', 'late@25']
    }

    def "the actor with the earliest local time steps; no tie outside the quantum"() {
        given:
        def log = new EventLog()
        def sim = new Simulation(new NoTies(), log, 1)
        def a = new TestActor(0, sim, 10); a.maxSteps = 1
        def b = new TestActor(1, sim, 3); b.maxSteps = 2; b.cost = 5
        [a, b].each { sim.addActor(it) }

        expect:
        sim.run(100) == RunStatus.QUIESCENT
        trace(log) == ['s1@3', 's1@8', 's0@10'] // 10 - 8 > quantum 1: no tie, NoTies would throw
    }

    def "actors within the quantum of the earliest are a tie for the chooser, given as ascending ids"() {
        given:
        def log = new EventLog()
        def chooser = new ScriptedPicks(picks: [1, 0])
        def sim = new Simulation(chooser, log, 10)
        def a = new TestActor(0, sim, 0); a.maxSteps = 1; a.cost = 100
        def b = new TestActor(1, sim, 5); b.maxSteps = 1; b.cost = 100
        def c = new TestActor(2, sim, 50); c.maxSteps = 1
        [a, b, c].each { sim.addActor(it) }

        when:
        def status = sim.run(1_000)

        then:
        status == RunStatus.QUIESCENT
        chooser.seen == [[0, 1]]           // c at 50 is outside 0 + 10; after b steps, a alone is earliest
        trace(log) == ['s1@5', 's0@0', 's2@50']
        chooser.picks == [0]
    }

    def "a sleeping actor is skipped until an event wakes it"() {
        given:
        def log = new EventLog()
        def sim = new Simulation(new NoTies(), log, 0)
        def sleeper = new TestActor(0, sim, 0); sleeper.awake = false; sleeper.maxSteps = 1
        def busy = new TestActor(1, sim, 0); busy.maxSteps = 4
        [sleeper, busy].each { sim.addActor(it) }
        sim.at(25, { sleeper.awake = true; sleeper.time = Math.max(sleeper.time, sim.now()) } as Runnable)

        expect:
        sim.run(1_000) == RunStatus.QUIESCENT
        trace(log) == ['s1@0', 's1@10', 's1@20', 's0@25', 's1@30']
    }

    def "stop() ends the run after the current step and stays stopped"() {
        given:
        def log = new EventLog()
        def sim = new Simulation(new NoTies(), log, 0)
        def a = new TestActor(0, sim, 0)
        a.onStep = { TestActor self -> if (self.stepsDone == 3) { sim.stop('enough'); sim.stop('ignored') } }
        sim.addActor(a)

        expect:
        sim.run(Long.MAX_VALUE) == RunStatus.STOPPED
        sim.steps() == 3
        sim.stopReason() == 'enough'
        sim.run(Long.MAX_VALUE) == RunStatus.STOPPED
        sim.steps() == 3
    }

    def "the time limit stops before a step or event beyond it"() {
        given:
        def log = new EventLog()
        def sim = new Simulation(new NoTies(), log, 0)
        sim.addActor(new TestActor(0, sim, 0))
        sim.at(35, { log.append(sim.now(), -1, '', 'tick') } as Runnable)

        expect:
        sim.run(30) == RunStatus.TIME_LIMIT
        trace(log) == ['s0@0', 's0@10', 's0@20', 's0@30']
        sim.run(40) == RunStatus.TIME_LIMIT
        trace(log).drop(4) == ['tick@35', 's0@40']
    }

    def "a positive stallAfterStep delays the actor that just stepped"() {
        given:
        def log = new EventLog()
        def chooser = new ScriptedPicks(picks: [0, 0, 0, 0], stalls: [1L: 100L])
        def sim = new Simulation(chooser, log, 0)
        def a = new TestActor(0, sim, 0); a.maxSteps = 2
        def b = new TestActor(1, sim, 5); b.maxSteps = 1
        [a, b].each { sim.addActor(it) }

        expect:
        sim.run(1_000) == RunStatus.QUIESCENT
        trace(log) == ['s0@0', 's1@5', 's0@110']
    }

    def "actor ids must be dense and in order"() {
        given:
        def sim = new Simulation(new NoTies(), new EventLog(), 0)

        when:
        sim.addActor(new TestActor(1, sim, 0))

        then:
        def e = thrown(IllegalArgumentException)
        e.message.contains('expected 0, got 1')
    }

    def "Time.format prints the largest unit with up to three truncated decimals"() {
        expect:
        Time.format(ps) == text

        where:
        ps                      || text
        0                       || '0ps'
        999                     || '999ps'
        3_000                   || '3ns'
        12_345_678              || '12.345us'
        1_500 * Time.MS         || '1.5s'
        2 * Time.MS + 50 * Time.US || '2.05ms'
        -1_001                  || '-1.001ns'
        1_000_010               || '1us'
    }

    def "the event queue pops by (time, insertion order), like a stable sort"() {
        given:
        def q = new EventQueue(2)
        def rnd = new Random(42)
        def entries = (0..<2000).collect { [time: (long) rnd.nextInt(50), id: it] }
        entries.each { q.push(it.time, it.id) }

        when:
        def popped = (0..<2000).collect { q.pop() }

        then: // Groovy's sort is stable, so this is the (time, seq) order computed independently
        popped == entries.sort(false) { it.time }.collect { it.id }
        q.isEmpty()
    }

    def "the event queue interleaves pushes and pops correctly"() {
        given:
        def q = new EventQueue()
        def ref = new TreeMap<List<Long>, Integer>({ a, b -> a[0] <=> b[0] ?: a[1] <=> b[1] } as Comparator)
        def rnd = new Random(7)
        long seq = 0
        def out = []
        def expected = []

        when:
        1000.times {
            if (rnd.nextInt(3) != 0 || ref.isEmpty()) {
                long t = rnd.nextInt(100)
                q.push(t, it)
                ref.put([t, seq++], it)
            } else {
                out << q.pop()
                expected << ref.pollFirstEntry().value
            }
        }

        then:
        out == expected
        q.size() == ref.size()
    }

    def "the step path allocates nothing"() {
        given:
        def world = AllocationProbe.world(4)
        world.advance(1_000) // warm up class loading and the first-call paths
        long stepsBefore = world.sim.steps()

        when:
        long allocated = world.allocatedBytesDuring(200_000)

        then: // over 200k steps, ties included: any per-step allocation would be megabytes
        world.sim.steps() - stepsBefore > 200_000
        allocated < 16_384
    }
}
