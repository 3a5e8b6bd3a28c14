package io.probesim.scenario

import spock.lang.Specification

import java.nio.file.Path

class ScenarioLoaderSpec extends Specification {

    static final Path EXAMPLE = Path.of('src/test/resources/scenarios/design-example.groovy')

    def "DESIGN.md's example script loads into the expected model"() {
        when:
        def s = ScenarioLoader.load(EXAMPLE)

        then:
        s.name() == 'booster: unregister while a task is preempted in the slot'
        s.machine() == new MachineConfig(2, 64, true, 1000, 1, 2.33d)
        s.probes() == new ProbesConfig('2006', ['boostPreemptible'])
        s.checks() == ['slot-not-freed-while-in-use', 'probe-transparency']
        s.explore().strategy() == 'pct'
        s.explore().depth() == 3
        s.explore().schedules() == 5000L
        !s.explore().seed().present
        s.settlePs() == 20_000_000L
        s.timeLimitPs() == 2_000_000_000L
        s.file() == EXAMPLE
        s.objects().isEmpty()

        and: 'two tasks in script order'
        s.tasks().size() == 2
        s.tasks()[0] == new TaskDefinition.X86Task('worker', 0, 'worker', 14)
        s.tasks()[1] instanceof TaskDefinition.HostTask
        s.tasks()[1].name() == 'tracer'
        s.tasks()[1].cpu() == 1
        s.tasks()[1].line() == 15

        and: "the text is kept verbatim and its literal starts after ''' on line 5"
        s.text().source().contains('target: push %rbp')
        s.text().source().contains('jmp  worker')
        s.text().line() == 5
        s.text().column() == 13
        and: 'assembler line 2 (target:) maps to script line 6, same column'
        s.text().scriptLine(2) == 6
        s.text().scriptColumn(2, 9) == 9
        EXAMPLE.toFile().readLines()[5].indexOf('target:') + 1 == 9
    }

    def "the host task's body runs against HostOps in script order"() {
        given:
        def s = ScenarioLoader.load(EXAMPLE)
        def ops = new RecordingOps()

        when:
        HostTaskScript.run(s.task('tracer').get().body(), ops)

        then:
        ops.calls == ['kprobe target [pre]', 'sleep 30000000', 'unregister probe#1', 'kprobe target+1 []']
        ops.options[0].pre instanceof Closure
    }

    def "durations: #text is #ps ps"() {
        expect:
        new GroovyShell().evaluate(text) == new SimDuration(ps)

        where:
        text       | ps
        '30.us'    | 30_000_000L
        '5.ns'     | 5_000L
        '2.ms'     | 2_000_000_000L
        '1.s'      | 1_000_000_000_000L
        '2.5.us'   | 2_500_000L
        '0.1.ns'   | 100L
        '7.ps'     | 7L
        '10.us * 3' | 30_000_000L
    }

    def "defaults when the script says only its name"() {
        when:
        def s = ScenarioLoader.loadText('tiny.groovy', "scenario { name 'tiny' }")

        then:
        s.machine() == MachineConfig.DEFAULT
        s.probes() == ProbesConfig.DEFAULT
        s.explore() == ExploreConfig.DEFAULT
        s.text() == null
        s.tasks().isEmpty()
    }

    def "limits, explore seed, several check calls and load"() {
        when:
        def s = ScenarioLoader.loadText('dir/lim.groovy', '''
            scenario {
                limits settle: 5.us, time: 1.ms
                explore strategy: 'dfs', depth: 2, schedules: 10, seed: 42
                check 'no-oops'
                check 'no-oops', 'probe-transparency'
                load 'fixtures/funcs.o'
                probes { knob 'skipSyncBeforeFree', 'boostPreemptible'; era 2010 }
            }'''.stripIndent())

        then:
        s.name() == 'lim'
        s.settlePs() == 5_000_000L
        s.timeLimitPs() == 1_000_000_000L
        s.explore() == new ExploreConfig('dfs', 2, 10, OptionalLong.of(42))
        s.checks() == ['no-oops', 'probe-transparency']
        s.objects() == [Path.of('dir/fixtures/funcs.o')]
        s.probes() == new ProbesConfig('2010', ['skipSyncBeforeFree', 'boostPreemptible'])
    }

    def "a helper method defined in the script can be called from a block"() {
        when:
        def s = ScenarioLoader.loadText('h.groovy', '''
            def twice(n) { n * 2 }
            scenario { machine { cpus twice(2) } }'''.stripIndent())

        then:
        s.machine().cpus() == 4
    }

    // ---- mistakes: file, line, column, hint ----

    def "a syntax error gives file, line, column and a hint"() {
        when:
        ScenarioLoader.loadText('syn.groovy', 'scenario {\n    name \'x\'\n    machine { cpus 2 \n}\n')

        then:
        def e = thrown(ScenarioException)
        e.file() == 'syn.groovy'
        e.line() == 1
        e.column() == 10
        e.problem().startsWith('syntax error')
        e.hint() == 'this { has no matching }'
        e.toString().startsWith("syn.groovy:1:10: syntax error: Unexpected input: '{'")
    }

    def "an unclosed string is a syntax error on its line"() {
        when:
        ScenarioLoader.loadText('q.groovy', 'scenario {\n    name \'x\n}\n')

        then:
        def e = thrown(ScenarioException)
        e.line() == 2
        e.column() == 10
        e.hint() != null
    }

    def "an unknown DSL word in a block: its line and column and a did-you-mean"() {
        when:
        ScenarioLoader.loadText('s1.groovy', '''scenario {
            |    name 'x'
            |    machine { cpus 2; preemt true }
            |}'''.stripMargin())

        then:
        def e = thrown(ScenarioException)
        e.toString() == "s1.groovy:3:23: unknown DSL word 'preemt' in machine (hint: did you mean 'preempt'?)"
    }

    def "a word of another block says where it belongs"() {
        when:
        ScenarioLoader.loadText('s1.groovy', 'scenario {\n  cpus 4\n}')

        then:
        def e = thrown(ScenarioException)
        e.line() == 2
        e.column() == 3
        e.hint() == "'cpus' belongs in machine { }"
    }

    def "an unknown word in a host task is reported when the task runs, at its line and column"() {
        given:
        def s = ScenarioLoader.loadText('s1.groovy', '''scenario {
            |    task 'tracer', cpu: 1, {
            |        sleep 1.us
            |        kprobee 'target'
            |    }
            |}'''.stripMargin())
        def ops = new RecordingOps()

        when:
        HostTaskScript.run(s.tasks()[0].body(), ops)

        then:
        def e = thrown(ScenarioException)
        e.toString() == "s1.groovy:4:9: unknown DSL word 'kprobee' in a host task (hint: did you mean 'kprobe'?)"
        ops.calls == ['sleep 1000000']
    }

    def "sleep without a unit in a host task is refused, not a real sleep"() {
        given:
        def s = ScenarioLoader.loadText('s.groovy', "scenario {\n task 't', cpu: 0, {\n  sleep 30\n }\n}")

        when:
        HostTaskScript.run(s.tasks()[0].body(), new RecordingOps())

        then:
        def e = thrown(ScenarioException)
        e.line() == 3
        e.column() == 3
        e.hint().contains('sleep 30.us')
    }

    def "HostOpsException from the engine is shown at the script line of the call"() {
        given:
        def s = ScenarioLoader.loadText('s.groovy', "scenario {\n task 't', cpu: 0, {\n  log 'a'\n  kprobe 'nosuch'\n }\n}")
        def ops = new RecordingOps(failOn: 'nosuch')

        when:
        HostTaskScript.run(s.tasks()[0].body(), ops)

        then:
        def e = thrown(ScenarioException)
        e.line() == 4
        e.problem() == "unknown symbol 'nosuch'"
    }

    def "other exceptions of the engine pass through untouched"() {
        given:
        def s = ScenarioLoader.loadText('s.groovy', "scenario {\n task 't', cpu: 0, {\n  sleep 1.ns\n }\n}")
        def boom = new IllegalStateException('engine bug')
        def ops = Stub(HostOps) { sleep(_) >> { throw boom } }

        when:
        HostTaskScript.run(s.tasks()[0].body(), ops)

        then:
        def e = thrown(IllegalStateException)
        e.is(boom)
    }

    def "wrong argument types are explained: #why"() {
        when:
        ScenarioLoader.loadText('a.groovy', script)

        then:
        def e = thrown(ScenarioException)
        e.line() == line
        e.column() == column
        e.problem().contains(why)
        e.hint() != null

        where:
        script                                               | line | column | why
        "scenario {\n machine { cpus 'two' }\n}"             | 2    | 12     | "'cpus' expects a whole number, not the string 'two'"
        "scenario {\n machine { bits 48 }\n}"                | 2    | 12     | "'bits' is 32 or 64"
        "scenario {\n machine { preempt 'yes' }\n}"          | 2    | 12     | "'preempt' expects true or false"
        "scenario {\n limits settle: 20 }"                   | 2    | 2      | "'limits' expects a duration"
        "scenario {\n explore strategy: 'bfs' }"             | 2    | 20     | "unknown strategy 'bfs'"
        "scenario {\n explore schedule: 5 }"                 | 2    | 10     | "'explore' has no option 'schedule'"
        "scenario {\n machine { cpus 2, 3 }\n}"              | 2    | 12     | "wrong arguments for 'cpus'"
        "scenario {\n name }"                                | 2    | 2      | "'name' needs a value"
    }

    def "validation: #what"() {
        when:
        ScenarioLoader.loadText('v.groovy', script)

        then:
        def e = thrown(ScenarioException)
        e.toString() == message

        where:
        what                   | script                                                                     | message
        'unknown invariant'    | "scenario {\n  check 'no-oops', 'slot-not-freed-while-in-us'\n}"          | "v.groovy:2:20: unknown invariant 'slot-not-freed-while-in-us' (hint: did you mean 'slot-not-freed-while-in-use'?)"
        'unknown knob'         | "scenario {\n  probes { knob 'boostPremptible' }\n}"                      | "v.groovy:2:17: unknown knob 'boostPremptible' (hint: did you mean 'boostPreemptible'?)"
        'knob not implemented' | "scenario {\n  probes { knob 'noRipRelFixup' }\n}"                        | "v.groovy:2:17: knob 'noRipRelFixup' (S19) is not implemented in this version (hint: implemented knobs: boostPreemptible, skipSyncBeforeFree, noNmiNestingGuard)"
        'unknown era'          | "scenario {\n  probes { era '2011' }\n}"                                  | "v.groovy:2:16: unknown era '2011' (hint: did you mean '2010'? eras: 2006, 2010, 2017, modern)"
        'cpu out of range'     | "scenario {\n  machine { cpus 2 }\n  text 'w: jmp w'\n  task 'w', cpu: 2, entry: 'w'\n}" | "v.groovy:4:13: task 'w' runs on cpu 2 but the machine has 2 CPUs (cpu 0..1) (hint: use cpu: 0..1 or raise machine { cpus N })"
        'cpu checked after machine' | "scenario {\n  task 'h', cpu: 3, { }\n  machine { cpus 3 }\n}"         | "v.groovy:2:13: task 'h' runs on cpu 3 but the machine has 3 CPUs (cpu 0..2) (hint: use cpu: 0..2 or raise machine { cpus N })"
        'duplicate task'       | "scenario {\n  task 'h', cpu: 0, { }\n  task 'h', cpu: 1, { }\n}"             | "v.groovy:3:8: a task named 'h' already exists (hint: give every task its own name)"
        'x86 task without text' | "scenario {\n  task 'w', cpu: 0, entry: 'w'\n}"                          | "v.groovy:2:3: task 'w' runs x86 code from 'w' but the scenario has no text or load (hint: add text '''...''' with the label w:)"
        'no scenario block'    | "def x = 1"                                                               | "v.groovy:1:1: the script has no scenario { } block (hint: wrap the words in scenario { ... })"
        'two scenario blocks'  | "scenario { }\nscenario { }"                                              | "v.groovy:2:1: a script holds one scenario { } block; this is a second one (hint: put each scenario in its own file)"
    }

    def "a missing file is a scenario error, not a stack trace"() {
        when:
        ScenarioLoader.load(Path.of('no/such.groovy'))

        then:
        def e = thrown(ScenarioException)
        e.toString().startsWith('no/such.groovy: no such scenario file')
    }

    def "a runtime error in the script itself is reported at its line"() {
        when:
        ScenarioLoader.loadText('r.groovy', "scenario {\n  machine { cpus 1 / 0 }\n}")

        then:
        def e = thrown(ScenarioException)
        e.line() == 2
        e.problem().contains('Division by zero')
    }

    /** Records HostOps calls as text. */
    static class RecordingOps implements HostOps {
        List<String> calls = []
        List<Map> options = []
        String failOn
        int probes

        Object kprobe(String target, Map<String, Object> opts) {
            if (target == failOn) {
                throw new HostOpsException("unknown symbol '$target'", 'see the labels of text')
            }
            calls << "kprobe $target ${opts.keySet() as List}".toString()
            options << opts
            "probe#${++probes}".toString()
        }

        void unregister(Object probe) { calls << "unregister $probe".toString() }

        void sleep(long ps) { calls << "sleep $ps".toString() }

        void log(String message) { calls << "log $message".toString() }
    }
}
