package io.probesim.scenario

import io.probesim.scenario.run.ScenarioImage
import io.probesim.scenario.run.ScenarioRunner
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

/**
 * The kprobes family's DSL words: `kretprobe` in a host task, `blacklist` in probes { }, and
 * the messages their mistakes and the kernel's refusals give (errno name and why).
 */
class FamilyDslSpec extends Specification {

    static String script(String tracer, String probes = "era '2006'") {
        """scenario {
 probes { $probes }
 text '''
target: mov %rdi, %rax
        ret
__switch_to: ret
worker: call target
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
        Map<String, Object> lastOptions
        Object kprobe(String target, Map<String, Object> options) { calls << "kprobe $target".toString(); 'kp' }
        Object kretprobe(String target, Map<String, Object> options) {
            lastOptions = options
            calls << "kretprobe $target ${options.keySet() as List}".toString()
            'rp'
        }
        void unregister(Object probe) { calls << "unregister $probe".toString() }
        void sleep(long ps) { calls << "sleep $ps".toString() }
        void log(String message) { }
    }

    def "kretprobe passes its handlers and maxactive through and its handle goes back to unregister"() {
        given:
        def s = ScenarioLoader.loadText('s.groovy', script("  def rp = kretprobe 'target', entry: { regs -> }, handler: { regs -> 0 }, maxactive: 3\n  unregister rp"))
        def ops = new Ops()

        when:
        HostTaskScript.run(s.task('t').get().body(), ops)

        then:
        ops.calls == ['kretprobe target [entry, handler, maxactive]', 'unregister rp']
        ops.lastOptions.maxactive == 3
        ops.lastOptions.handler instanceof Closure
    }

    def "kretprobe mistakes are explained at their line: #why"() {
        given:
        def s = ScenarioLoader.loadText('s.groovy', script(line))

        when:
        HostTaskScript.run(s.task('t').get().body(), new Ops())

        then:
        def e = thrown(ScenarioException)
        e.line() == 12
        e.problem().contains(problem)

        where:
        why                     | line                                              || problem
        'maxactive not a count' | "  kretprobe 'target', maxactive: 'many'"         || "expects a whole number, not"
        'negative maxactive'    | "  kretprobe 'target', maxactive: -1"             || "not -1"
        'handler not a closure' | "  kretprobe 'target', handler: 5"                || "handler: expects a handler"
        'unknown option'        | "  kretprobe 'target', pre: { regs -> }"          || "pre"
    }

    def "blacklist in probes { } lists functions"() {
        when:
        def s = ScenarioLoader.loadText('s.groovy', script("  log 'x'", "era '2006'; blacklist 'target', '__switch_to'"))

        then:
        s.probes().blacklist() == ['target', '__switch_to']
        s.probes().era() == '2006'
    }

    def "the kernel's refusals reach the script with errno and why: #why"() {
        given:
        def def_ = ScenarioLoader.loadText('s.groovy', script(line, probes))
        def runner = new ScenarioRunner(new ScenarioImage(def_))

        when:
        runner.run(Strategies.replay(new int[0]))

        then:
        def e = thrown(ScenarioException)
        e.line() == 12
        e.problem().contains(errno)
        e.problem().contains(text)

        where:
        why                           | probes                             | line                           || errno    | text
        'kretprobe on __switch_to'    | "era '2006'"                       | "  kretprobe '__switch_to'"    || 'EINVAL' | 'kretprobe blacklist'
        'kretprobe not at the entry'  | "era '2006'"                       | "  kretprobe 'target+3'"       || 'EINVAL' | 'not a function entry'
        'kretprobe on unknown symbol' | "era '2006'"                       | "  kretprobe 'nosuch'"         || 'ENOENT' | 'nosuch'
        'kprobe on a script blacklist'| "era '2006'; blacklist 'target'"   | "  kprobe 'target'"            || 'EINVAL' | 'blacklist'
    }

    def "blacklisting a function the text does not define is a scenario error"() {
        given:
        def def_ = ScenarioLoader.loadText('s.groovy', script("  log 'x'", "era '2006'; blacklist 'nosuch'"))

        when:
        new ScenarioImage(def_)

        then:
        def e = thrown(ScenarioException)
        e.problem().contains("blacklist 'nosuch'")
    }
}
