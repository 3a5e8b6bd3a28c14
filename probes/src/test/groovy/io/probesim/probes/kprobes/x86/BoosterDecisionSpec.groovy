package io.probesim.probes.kprobes.x86

import io.probesim.probes.Era
import io.probesim.probes.Knob
import io.probesim.probes.kprobes.Kprobe
import io.probesim.probes.kprobes.KprobesTestbed
import io.probesim.probes.kprobes.PostHandler
import spock.lang.Specification

/**
 * When a probe is boosted (seed 000 and spec 2.4): never on the first hit (the copy is measured
 * by its first single-step), never with a post handler, never for an opcode of the seed's list;
 * on CONFIG_PREEMPT the 2006 kernel boosts only where preemption was already disabled (never
 * here: the caller runs preemptible), later eras never; the knob lifts the preemption rule.
 */
class BoosterDecisionSpec extends Specification {

    static final String TEXT = '''
plain:   push %rbp
         pop  %rbp
         ret
cond:    cmp  $1, %rdi
         jne  out
         nop
out:     ret
'''

    /** How each of 4 hits was handled: 'ss' (single-stepped) or 'boost'. */
    static List<String> hits(Map opts, String fn, boolean withPost) {
        def bed = new KprobesTestbed(opts, TEXT)
        bed.run { ctx ->
            def p = Kprobe.at(fn, 0, null, withPost ? ({ a, b, c -> } as PostHandler) : null)
            bed.kprobes.register(ctx, p)
            4.times { ctx.call(fn, 0) }
            bed.kprobes.unregister(ctx, p)
        }
        assert bed.violations.first().isEmpty()
        bed.log.events().findAll { it.kind() in ['kprobe-ss', 'kprobe-boost'] }.collect { it.kind() == 'kprobe-ss' ? 'ss' : 'boost' }
    }

    def "#era, preempt #preempt, knobs #knobs, #fn#post: #expected"() {
        expect:
        hits([era: era, preempt: preempt, knobs: knobs], fn, post == ' with post handler') == expected

        where:
        era        | preempt | knobs                    | fn      | post                 || expected
        Era.E2006  | false   | []                       | 'plain' | ''                   || ['ss', 'boost', 'boost', 'boost']
        Era.E2006  | true    | []                       | 'plain' | ''                   || ['ss', 'ss', 'ss', 'ss']
        Era.E2006  | true    | [Knob.BOOST_PREEMPTIBLE] | 'plain' | ''                   || ['ss', 'boost', 'boost', 'boost']
        Era.E2010  | false   | []                       | 'plain' | ''                   || ['ss', 'boost', 'boost', 'boost']
        Era.E2010  | true    | []                       | 'plain' | ''                   || ['ss', 'ss', 'ss', 'ss']
        Era.MODERN | true    | []                       | 'plain' | ''                   || ['ss', 'ss', 'ss', 'ss']
        Era.E2006  | false   | []                       | 'plain' | ' with post handler' || ['ss', 'ss', 'ss', 'ss']
        Era.E2006  | false   | []                       | 'cond'  | ''                   || ['ss', 'boost', 'boost', 'boost']
    }

    def "a jcc (0x75, on seed 000's list) is never boosted"() {
        given:
        def bed = new KprobesTestbed([era: Era.E2006, preempt: false], TEXT)
        def kinds = []

        when:
        bed.run { ctx ->
            def p = Kprobe.at('cond', 4, null, null)            // jne out
            bed.kprobes.register(ctx, p)
            4.times { ctx.call('cond', it % 2) }
            kinds = bed.log.events().findAll { it.kind() in ['kprobe-ss', 'kprobe-boost'] }*.kind()
            bed.kprobes.unregister(ctx, p)
        }

        then:
        kinds == ['kprobe-ss'] * 4
        bed.violations.first().isEmpty()
    }
}
