package io.probesim.scenario

import io.probesim.scenario.run.ScenarioImage
import io.probesim.scenario.run.ScenarioRunner
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

/** `at T { }`: a host task that sleeps until exactly simulated time T, and its mistakes. */
class AtWordSpec extends Specification {

    static String script(String atLines) {
        """scenario {
    machine { cpus 2; preempt true; tick hz: 100000 }
    probes { era '2006' }
    text '''
target: push %rbp
        pop  %rbp
        ret
worker: call target
        jmp  worker
'''
    task 'worker', cpu: 0, entry: 'worker'
${atLines}
    check 'no-oops'
    limits settle: 1.us
}
"""
    }

    static int lineOf(String source, String fragment) { source.readLines().findIndexOf { it.contains(fragment) } + 1 }
    static int columnOf(String source, String fragment, String word) {
        source.readLines().find { it.contains(fragment) }.indexOf(word) + 1
    }

    def "at mistakes are told with file, line, column and a hint: #why"() {
        given:
        def source = script("    " + line)

        when:
        ScenarioLoader.loadText('at.groovy', source)

        then:
        def e = thrown(ScenarioException)
        e.file() == 'at.groovy'
        e.line() == lineOf(source, line)
        e.column() == columnOf(source, line, word)
        e.problem().contains(problem)
        e.hint() != null

        where:
        why                  | line                                        | word  | problem
        'no unit'            | "at 10, { log 'x' }"                        | 'at'  | 'needs a time with a unit'
        'negative'           | "at(-10.us) { log 'x' }"                    | '-'   | 'cannot be negative'
        'unknown option'     | "at 10.us, cpus: 1, { log 'x' }"            | 'cpus'| "'cpus'"
        'after time limit'   | "at 3.ms, { log 'x' }"                      | 'at'  | 'not before the time limit'
        'no such cpu'        | "at 1.us, cpu: 2, { log 'x' }"              | 'cpu' | 'runs on cpu 2'
    }

    def "two at blocks at the same time need their own names"() {
        when:
        ScenarioLoader.loadText('at.groovy', script("    at 1.us, { log 'a' }\n    at 1.us, { log 'b' }"))

        then:
        def e = thrown(ScenarioException)
        e.problem().contains("a task named 'at-1us' already exists")
    }

    def "the at task is named at-<time> or name:, runs on cpu 0 by default, and is a host task starting at T"() {
        when:
        def d = ScenarioLoader.loadText('at.groovy', script("    at 7.us { log 'a' }\n    at 2.5.us, cpu: 1, name: 'late', { log 'b' }"))

        then:
        d.tasks()*.name() == ['worker', 'at-7us', 'late']
        with(d.task('at-7us').get() as TaskDefinition.HostTask) { cpu() == 0 && startPs() == 7_000_000L }
        with(d.task('late').get() as TaskDefinition.HostTask) { cpu() == 1 && startPs() == 2_500_000L }
    }

    def "the body starts at T plus a context switch, the same in every schedule (no timer slack chosen)"() {
        given: 'cpu 1 has nothing else to run, so the woken task runs at once'
        def d = ScenarioLoader.loadText('at.groovy', script("    at 7.us, cpu: 1, { log 'first' }\n    at 2.5.us, cpu: 1, name: 'early', { log 'second' }"))
        def runner = new ScenarioRunner(new ScenarioImage(d))

        when:
        def logs = (1L..4L).collect { seed ->
            def events = runner.run(Strategies.random(seed).chooserFor(0)).log().events()
            [events.find { it.task() == 'at-7us' && it.kind() == 'log' }.time(), events.find { it.task() == 'early' && it.kind() == 'log' }.time()]
        }
        def blocked = runner.run(Strategies.random(1).chooserFor(0)).log().events().findAll { it.task() == 'at-7us' }.take(2)

        then: 'blocked at boot (time 0) until T'
        blocked*.kind() == ['switch', 'block'] && blocked*.time() == [0L, 0L]
        and: '7 us = 7,000,000 ps, 2.5 us = 2,500,000 ps; the switch in costs well under 1 us'
        logs.unique().size() == 1
        logs[0][0] >= 7_000_000L && logs[0][0] < 8_000_000L
        logs[0][1] >= 2_500_000L && logs[0][1] < 3_500_000L
        and: 'both wait the same switch cost after their own T'
        logs[0][0] - 7_000_000L == logs[0][1] - 2_500_000L
    }
}
