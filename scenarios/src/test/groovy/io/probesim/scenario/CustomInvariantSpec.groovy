package io.probesim.scenario

import io.probesim.scenario.run.ScenarioImage
import io.probesim.scenario.run.ScenarioRunner
import io.probesim.sim.explore.Budget
import io.probesim.sim.explore.Explorer
import io.probesim.sim.explore.ReplayToken
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

import java.nio.file.Files
import java.nio.file.Path

/** `invariant 'name', { state -> ... }`: declared, checked, found by the explorer, replayed. */
class CustomInvariantSpec extends Specification {
    static final Path EXAMPLE = Path.of('examples/custom-invariant.groovy')
    static final long SAFE_BUDGET = Long.getLong('customInvariant.safeBudget', 40L)

    /** The shipped example with `extra` added before its explore line. */
    static ScenarioDefinition example(String extra = '') {
        String text = Files.readString(EXAMPLE)
        ScenarioLoader.loadText('custom-invariant.groovy', text.replace('    explore strategy', extra + '\n    explore strategy'))
    }

    static String tiny(String lines) {
        """scenario {
    machine { cpus 2; preempt false; tick hz: 100000 }
    probes { era '2006' }
    text '''
target: push %rbp
        mov  %rsp, %rbp
        pop  %rbp
        ret
worker: call target
        call cond_resched
        jmp  worker
'''
    task 'worker', cpu: 0, entry: 'worker'
${lines}
    limits settle: 1.us
}
"""
    }

    def "declaration mistakes are told at their line and column: #why"() {
        given:
        def source = tiny(lines)

        when:
        ScenarioLoader.loadText('inv.groovy', source)

        then:
        def e = thrown(ScenarioException)
        def at = source.readLines().findIndexOf { it.contains(fragment) }
        e.line() == at + 1
        e.column() == source.readLines()[at].indexOf(fragment) + 1
        e.problem().contains(problem)
        e.hint().contains(hint)

        where:
        why              | lines                                                                       | fragment    | problem                       | hint
        'built-in name'  | "    invariant 'no-oops', { s -> true }"                                    | "'no-oops'" | 'is a built-in invariant'     | "check 'no-oops'"
        'twice'          | "    invariant 'mine', { s -> true }\n    invariant 'mine', { s -> false }" | "'mine', { s -> false" | 'already exists' | 'its own name'
        'unknown check'  | "    invariant 'mine', { s -> true }\n    check 'mien'"                      | "'mien'"    | "unknown invariant 'mien'"    | "did you mean 'mine'?"
    }

    def "a custom invariant is checked implicitly, check may name it before it is declared, and the comma may be left out"() {
        when:
        def d = ScenarioLoader.loadText('inv.groovy', tiny("    check 'later', 'no-oops'\n    invariant 'later' { s -> true }\n    invariant 'implicit', { s -> true }"))

        then:
        d.checks() == ['no-oops', 'later', 'implicit']
        d.invariants()*.name() == ['later', 'implicit']
    }

    def "state reads the text: target starts with the bytes of push %rbp; mov %rsp,%rbp (GNU as: 55 48 89 e5)"() {
        given: 'read32 is little-endian: 0xe5894855; read8 at +1 is the REX.W prefix 0x48'
        def d = ScenarioLoader.loadText('inv.groovy', tiny("""    invariant 'bytes', { s ->
        assert s.read32('target') == 0xe5894855L
        assert s.read8('target', 1) == 0x48
        assert (s.read64('target') & 0xffffffffL) == 0xe5894855L
        assert s.task('worker').state in ['RUNNING', 'RUNNABLE']
        assert s.time >= 0
        true
    }
    at 2.us, cpu: 1, { log 'one host step' }"""))

        when:
        def r = new ScenarioRunner(new ScenarioImage(d)).run(Strategies.replay(new int[0]))

        then:
        r.violation().isEmpty()
    }

    def "the shipped example's invariants hold in #budget random schedules"() {
        when:
        def result = new Explorer(new ScenarioRunner(new ScenarioImage(example())), Strategies.random(1), 'spec')
                .explore(Budget.schedules(budget), 2, { d, t, v -> })

        then:
        result.violation().isEmpty()

        where:
        budget = SAFE_BUDGET
    }

    def "one wrong on purpose (#form) is found by the explorer and replayed with the same event log"() {
        given: 'the worker calls target back to back, so a third hit comes within the first 10 us'
        def runner = new ScenarioRunner(new ScenarioImage(example(extra)))

        when:
        def result = new Explorer(runner, Strategies.random(1), 'spec').explore(Budget.schedules(20), 2, { d, t, v -> })

        then:
        result.violation().isPresent()
        def found = result.violation().get()
        found.shrunk().violation().get().invariant() == 'at-most-two-hits'
        found.shrunk().violation().get().message().contains(message)

        when:
        def token = ReplayToken.decode(found.token())
        def again = runner.run(Strategies.replay(token.choices()))

        then:
        again.violation().get().invariant() == 'at-most-two-hits'
        again.logSha256() == found.shrunk().logSha256()

        where:
        form     | extra                                                                                 || message
        'false'  | "    invariant 'at-most-two-hits', { state -> state.hits('target') <= 2 }"             || "returned false"
        'assert' | "    invariant 'at-most-two-hits', { state -> assert state.hits('target') <= 2 }"      || "state.hits('target') <= 2"
    }
}
