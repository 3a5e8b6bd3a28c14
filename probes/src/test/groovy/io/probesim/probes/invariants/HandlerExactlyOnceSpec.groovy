package io.probesim.probes.invariants

import io.probesim.sim.Simulation
import io.probesim.sim.Violations
import io.probesim.sim.explore.Strategies
import io.probesim.sim.log.EventLog
import spock.lang.Specification

/** handler-exactly-once reads the event log; fed by hand, it must accept and refuse as its rule says. */
class HandlerExactlyOnceSpec extends Specification {

    def log = new EventLog()
    def sim = new Simulation(Strategies.replay(new int[0]), log, 0)
    def violations = new Violations(sim, [HandlerExactlyOnce.NAME] as Set)

    def setup() {
        log.addListener(new HandlerExactlyOnce(violations))
        log.append(0, 1, 'tracer', 'kprobe-register', 'probe', 'a', 'addr', '0x1000')
        log.append(0, 1, 'tracer', 'kprobe-register', 'probe', 'b', 'addr', '0x1000')
    }

    def hit(List<List<String>> between) {
        log.append(1, 0, 'w', 'int3', 'ip', '0x1000')
        between.each { log.append(1, 0, 'w', it[0], 'probe', it[1], 'addr', '0x1000') }
        log.append(1, 0, 'w', 'int3-done', 'ip', '0x1000')
    }

    def "#what: #verdict"() {
        when:
        hit(events)

        then:
        violations.first().isPresent() == broken

        where:
        what                               | events                                                      || broken
        'one pre call per aggregated probe'| [['kprobe-pre', 'a'], ['kprobe-pre', 'b']]                  || false
        'a miss counted on each'           | [['kprobe-miss', 'a'], ['kprobe-miss', 'b']]                || false
        'probe b forgotten'                | [['kprobe-pre', 'a']]                                       || true
        'probe a called twice'             | [['kprobe-pre', 'a'], ['kprobe-pre', 'a'], ['kprobe-pre', 'b']] || true
        verdict = broken ? 'violation' : 'holds'
    }

    def "a nested hit inside a handler is tracked on its own"() {
        when:
        log.append(1, 0, 'w', 'int3', 'ip', '0x1000')
        log.append(1, 0, 'w', 'kprobe-pre', 'probe', 'a', 'addr', '0x1000')
        hit([['kprobe-miss', 'a'], ['kprobe-miss', 'b']])       // a's handler calls the function
        log.append(1, 0, 'w', 'kprobe-pre', 'probe', 'b', 'addr', '0x1000')
        log.append(1, 0, 'w', 'int3-done', 'ip', '0x1000')

        then:
        violations.first().isEmpty()
    }

    def "after unregister a hit expects nothing of the removed probe"() {
        when:
        log.append(2, 1, 'tracer', 'kprobe-unregister', 'probe', 'b', 'addr', '0x1000')
        hit([['kprobe-pre', 'a']])

        then:
        violations.first().isEmpty()
    }

    // S20 (spec kprobes-x86.md 2.7): a probe unregistered on another CPU between a CPU's int3 and
    // its do_int3 is not found; the instruction restarts unprobed, and no handler call is owed.
    def "a trap whose probe #which is unregistered before its do_int3 owes that probe nothing: #verdict"() {
        when:
        log.append(1, 0, 'w', 'int3', 'ip', '0x1000')
        log.append(2, 1, 'tracer', 'kprobe-unregister', 'probe', 'b', 'addr', addr)
        between.each { log.append(3, 0, 'w', it[0], 'probe', it[1], 'addr', '0x1000') }
        log.append(3, 0, 'w', 'int3-done', 'ip', '0x1000')

        then:
        violations.first().isPresent() == broken

        where:
        which                  | addr     | between                                    || broken
        'b'                    | '0x1000' | [['kprobe-pre', 'a']]                      || false
        'b (at another addr)'  | '0x2000' | [['kprobe-pre', 'a']]                      || true    // b is still owed at 0x1000
        'b, a still forgotten' | '0x1000' | []                                         || true    // a stays owed
        'b, b then called'     | '0x1000' | [['kprobe-pre', 'a'], ['kprobe-pre', 'b']] || true    // a call without a pending hit
        verdict = broken ? 'violation' : 'holds'
    }

    def "a detour-buffer hit still owes its call when the probe is unregistered meanwhile"() {
        when:
        log.append(1, 0, 'w', 'opt-hit', 'ip', '0x1000')
        log.append(2, 1, 'tracer', 'kprobe-unregister', 'probe', 'b', 'addr', '0x1000')
        log.append(3, 0, 'w', 'kprobe-pre', 'probe', 'a', 'addr', '0x1000')
        log.append(3, 0, 'w', 'opt-hit-done', 'ip', '0x1000')

        then:
        violations.first().isPresent()
    }
}
