package io.probesim.sim

import io.probesim.sim.explore.Strategies
import io.probesim.sim.log.EventLog
import spock.lang.Specification

/**
 * Simulation.continueInline: an actor that goes on inside its step wherever the loop would
 * only have stepped it again makes the same run as one that returns after every unit of work.
 * The reference is the plain loop itself (units = steps), under strategies that draw ties and
 * stalls (random, pct) and with timed events and a second actor in the way.
 */
class ContinueInlineSpec extends Specification {

    /** Does `units` units of work of `cost` ps; with `inline`, keeps going inside one step while allowed. */
    static class Worker implements Actor {
        final int id
        final Simulation sim
        final boolean inline
        final long cost
        long time
        int units
        int inlineUnits

        Worker(int id, Simulation sim, long start, long cost, int units, boolean inline) {
            this.id = id; this.sim = sim; this.time = start; this.cost = cost; this.units = units; this.inline = inline
        }

        int id() { id }
        long localTime() { time }
        boolean runnable() { units > 0 }
        void step() {
            while (true) {
                sim.log().append(time, id, '', 'unit')
                units--
                time += cost
                if (!inline || units == 0 || !sim.continueInline(this)) return
                inlineUnits++
            }
        }
        void stall(long ps) { time += ps }
    }

    static Map run(Chooser chooser, boolean inline, long quantum) {
        def log = new EventLog()
        def sim = new Simulation(chooser, log, quantum)
        def a = new Worker(0, sim, 0, 7, 400, inline)
        def b = new Worker(1, sim, 1_000, 13, 50, inline)
        sim.addActor(a)
        sim.addActor(b)
        [333L, 1_500L, 1_501L, 2_900L].each { t -> sim.at(t, { log.append(sim.now(), -1, '', 'event') } as Runnable) }
        def status = sim.run(1_000_000)
        [status: status, hash: log.sha256(), steps: sim.steps() + 0, choices: chooser.recorded() as List, inlined: a.inlineUnits + b.inlineUnits]
    }

    def "the same log, step count and choices with and without going on inline (#name, quantum #quantum)"() {
        when:
        def plain = run(chooser(), false, quantum)
        def inline = run(chooser(), true, quantum)

        then:
        inline.status == plain.status
        inline.hash == plain.hash
        inline.steps == plain.steps
        inline.choices == plain.choices
        and: 'the path was taken at all'
        inline.inlined > 0

        where:
        name          | quantum | chooser
        'replay'      | 0       | { Strategies.replay(new int[0]) }
        'random 1'    | 0       | { Strategies.random(1).chooserFor(0) }
        'random 7'    | 20      | { Strategies.random(7).chooserFor(3) }
        'pct'         | 5       | { Strategies.pct(3, 3, 2, 500).chooserFor(1) }
    }

    def "a chooser that cannot promise no stall keeps every hand-off"() {
        given: 'a chooser with the default mayStallAfterStep (true)'
        def quiet = new Chooser() {
            int choose(ChoiceKind kind, int n) { 0 }
            int pickActor(int[] candidates) { 0 }
            long stallAfterStep(int actor, long step) { 0 }
            int[] recorded() { new int[0] }
        }

        expect:
        run(quiet, true, 0).inlined == 0
    }
}
