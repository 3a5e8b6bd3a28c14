package io.probesim.scenario

import spock.lang.Specification

/** The DSL words for NMIs: `nmi handler:` in machine, `nmi cpu:, within:` in a host task. */
class NmiWordsSpec extends Specification {

    static class NmiOps extends ScenarioLoaderSpec.RecordingOps {
        void nmi(int cpu, long withinPs) { calls << "nmi $cpu $withinPs".toString() }
    }

    def "machine { nmi handler: 'label' } names the NMI handler; without it the built-in one is used"() {
        expect:
        ScenarioLoader.loadText('n.groovy', "scenario {\n machine { cpus 1; nmi handler: 'my_nmi' }\n}").machine().nmiHandler() == 'my_nmi'
        ScenarioLoader.loadText('n.groovy', "scenario {\n machine { cpus 1 }\n}").machine().nmiHandler() == null
        ScenarioLoader.loadText('n.groovy', "scenario {\n machine { cpus 1 }\n}").machine() == new MachineConfig(1, 64, true, 1000, 1, 2.33d)
    }

    def "nmi cpu: N raises an NMI now; within: a duration makes its arrival a choice in that window"() {
        given:
        def s = ScenarioLoader.loadText('n.groovy', "scenario {\n task 't', cpu: 1, {\n  nmi cpu: 0\n  nmi cpu: 1, within: 2.us\n }\n}")
        def ops = new NmiOps()

        when:
        HostTaskScript.run(s.tasks()[0].body(), ops)

        then:
        ops.calls == ['nmi 0 0', 'nmi 1 2000000']
    }

    def "mistakes in the nmi words are explained at their line: #why"() {
        given:
        def s = ScenarioLoader.loadText('n.groovy', "scenario {\n task 't', cpu: 1, {\n  $line\n }\n}")

        when:
        HostTaskScript.run(s.tasks()[0].body(), new NmiOps())

        then:
        def e = thrown(ScenarioException)
        e.line() == 3
        e.toString().contains(why)

        where:
        line                          | why
        "nmi within: 2.us"            | 'needs the cpu'
        "nmi cpu: 0, within: 2"       | 'expects a duration'
        "nmi cpu: 0, at: 2.us"        | 'at'
    }

    def "an unknown key in machine's nmi word is refused"() {
        when:
        ScenarioLoader.loadText('n.groovy', "scenario {\n machine { nmi handlr: 'x' }\n}")

        then:
        def e = thrown(ScenarioException)
        e.line() == 2
    }
}
