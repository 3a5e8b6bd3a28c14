package io.probesim.scenario.run

import io.probesim.scenario.ScenarioException
import io.probesim.scenario.ScenarioLoader
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

/** Mistakes found when a scenario runs are told at the script's line, in the kernel's terms. */
class ScenarioErrorsSpec extends Specification {

    static String script(String tracerBody, String text = DEFAULT_TEXT) {
        """scenario {
    name 'errors'
    machine { cpus 2; preempt true; tick hz: 100000 }
    probes { era '2006' }
    text '''${text}'''
    task 'worker', cpu: 0, entry: 'worker'
    task 'tracer', cpu: 1, {
${tracerBody}
    }
    check 'no-oops'
}
"""
    }

    static final String DEFAULT_TEXT = '''
target: push %rbp
        mov  %rsp, %rbp
        pop  %rbp
        ret
worker: call target
        jmp  worker
'''

    def run(String source) {
        def def_ = ScenarioLoader.loadText('e.groovy', source)
        new ScenarioRunner(new ScenarioImage(def_)).run(Strategies.replay(new int[0]))
    }

    static int lineOf(String source, String fragment) {
        source.readLines().findIndexOf { it.contains(fragment) } + 1
    }

    def "a probe in the middle of an instruction reports EILSEQ at the script line"() {
        given:
        def source = script("        kprobe 'target+2'")

        when:
        run(source)

        then:
        def e = thrown(ScenarioException)
        e.line() == lineOf(source, "kprobe 'target+2'")
        e.problem().contains('EILSEQ')
        e.problem().contains('mov')
        e.hint() != null
    }

    def "an unknown symbol reports ENOENT"() {
        given:
        def source = script("        kprobe 'tagret'")

        when:
        run(source)

        then:
        def e = thrown(ScenarioException)
        e.line() == lineOf(source, "kprobe 'tagret'")
        e.problem().contains('ENOENT')
    }

    def "an assembly mistake in the text is reported at its script line and column"() {
        when:
        run(script("        sleep 1.us", '\ntarget: mvo %rsp, %rbp\n        ret\nworker: jmp worker\n'))

        then:
        def e = thrown(ScenarioException)
        e.line() == 6
        e.column() == 9
        e.problem().contains('mvo')
    }

    def "a task whose entry is not a label is refused with the labels listed"() {
        given:
        def source = script("        sleep 1.us").replace("entry: 'worker'", "entry: 'wroker'")

        when:
        run(source)

        then:
        def e = thrown(ScenarioException)
        e.line() == lineOf(source, "entry: 'wroker'")
        e.hint().contains('worker')
    }

    def "an object file that is not there is reported, with where it was looked for"() {
        when:
        run(script("        sleep 1.us").replace("check 'no-oops'", "check 'no-oops'\n    load 'funcs.o'"))

        then:
        def e = thrown(ScenarioException)
        e.problem().contains("load 'funcs.o': no such file")
        e.hint().contains('relative to the scenario file, then to the working directory')
    }
}
