package io.probesim.scenario

import io.probesim.scenario.run.ScenarioImage
import io.probesim.scenario.run.ScenarioRunner
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

/**
 * The `jprobe` word of a host task: what it passes on, the messages its mistakes give at their
 * line, and the kernel's refusals (errno and why). The mirror (`call jprobe_return`) does
 * nothing; its runs show in the event log as jprobe-setjmp / jprobe-longjmp pairs.
 */
class JprobeDslSpec extends Specification {

    static String script(String tracer) {
        """scenario {
 probes { era '2006' }
 text '''
target: mov %rdi, %rax
        ret
mirror: call jprobe_return
worker: mov \$5, %rdi
        call target
        jmp worker
'''
 task 'worker', cpu: 0, entry: 'worker'
 task 't', cpu: 1, {
$tracer
 }
}"""
    }

    static class Ops implements HostOps {
        List<String> calls = []
        Object kprobe(String target, Map<String, Object> options) { 'kp' }
        Object jprobe(String target, String entry) { calls << "jprobe $target $entry".toString(); 'jp' }
        void unregister(Object probe) { calls << "unregister $probe".toString() }
        void sleep(long ps) { calls << "sleep $ps".toString() }
        void log(String message) { }
    }

    def "jprobe passes the function and the mirror's label through and its handle goes back to unregister"() {
        given:
        def s = ScenarioLoader.loadText('s.groovy', script("  def jp = jprobe 'target', entry: 'mirror'\n  unregister jp"))
        def ops = new Ops()

        when:
        HostTaskScript.run(s.task('t').get().body(), ops)

        then:
        ops.calls == ['jprobe target mirror', 'unregister jp']
    }

    def "jprobe mistakes are explained at their line: #why"() {
        given:
        def s = ScenarioLoader.loadText('s.groovy', script(line))

        when:
        HostTaskScript.run(s.task('t').get().body(), new Ops())

        then:
        def e = thrown(ScenarioException)
        e.line() == 13
        e.problem().contains(problem)

        where:
        why                  | line                                            || problem
        'no mirror'          | "  jprobe 'target'"                             || "needs its mirror function"
        'mirror not a label' | "  jprobe 'target', entry: { regs -> }"         || "entry: expects the mirror function's label"
        'unknown option'     | "  jprobe 'target', entry: 'mirror', pre: 5"    || "pre"
    }

    def "the kernel's refusals and an unknown mirror reach the script with their line: #why"() {
        given:
        def runner = new ScenarioRunner(new ScenarioImage(ScenarioLoader.loadText('s.groovy', script(line))))

        when:
        runner.run(Strategies.replay(new int[0]))

        then:
        def e = thrown(ScenarioException)
        e.line() == at
        e.problem().contains(text)
        e.hint().contains(hint)

        where: 'the tracer starts at line 13 of the script'
        why                 | line                                          || at | text                                         | hint
        'unknown mirror'    | "  jprobe 'target', entry: 'nosuch'"          || 13 | "mirror 'nosuch' is not a label of the text" | 'call jprobe_return'
        'not at the entry'  | "  jprobe 'target+3', entry: 'mirror'"        || 13 | 'EINVAL'                                     | "first instruction"
        'unknown function'  | "  jprobe 'nosuch', entry: 'mirror'"          || 13 | 'ENOENT'                                     | "label of the scenario's text"
        'two on a function' | "  jprobe 'target', entry: 'mirror'\n  jprobe 'target', entry: 'mirror'" || 14 | 'EEXIST' | 'one jprobe per function'
    }

    def "a registered jprobe runs its mirror on every call until unregistered, with no violation"() {
        given:
        def runner = new ScenarioRunner(new ScenarioImage(ScenarioLoader.loadText('s.groovy',
                script("  def jp = jprobe 'target', entry: 'mirror'\n  sleep 20.us\n  unregister jp"))))

        when:
        def result = runner.run(Strategies.replay(new int[0]))
        def kinds = result.log().events()*.kind()
        int setjmps = kinds.count { it == 'jprobe-setjmp' }

        then: 'each setjmp is paired with its longjmp, and the worker kept calling target'
        result.violation().isEmpty()
        setjmps > 1
        kinds.count { it == 'jprobe-longjmp' } == setjmps
        and: 'hits start once the int3 is armed (the worker may hit before register_jprobe returns) and stop before unregister disarms (the run settles while unregister still waits)'
        kinds.indexOf('kprobe-register') < kinds.indexOf('jprobe-setjmp')
        kinds.lastIndexOf('jprobe-longjmp') < kinds.indexOf('kprobe-unregister')
    }
}
