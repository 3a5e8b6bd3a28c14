package io.probesim.scenario.run

import io.probesim.scenario.ScenarioException
import io.probesim.scenario.ScenarioLoader
import io.probesim.x86.cost.CostModel
import spock.lang.Specification

import java.nio.file.Path

/** The `measure` word: the shipped example's records, and the DSL's refusals. */
class ScenarioMeasuresSpec extends Specification {

    def "the shipped example measures four variants on its own function"() {
        given:
        def def_ = ScenarioLoader.load(Path.of('examples', 'measure-kprobe-variants.groovy'))

        when:
        def records = ScenarioMeasures.run(def_, CostModel.DEFAULT)

        then:
        records*.variant() == ['plain', 'booster', 'optimized', 'booster']
        records*.mechanism() == ['kprobe', 'kprobe', 'kprobe', 'kretprobe']
        records.every { it.hits() == 1000 && it.clockGhz() == 2.33d && it.publishedUs() == null }
        // csum starts with push %rbp, as TimingBenchSpec's workload does, so the hand-derived
        // sums hold: plain 1140 cycles (int3 400 + handler 150 + call 40 + iret 100 + #DB 200
        // + post 150 + iret 100), booster 692 (400 + 150 + 40 + 100 + push 1 + jmp 2 - push 1)
        records[0].cyclesPerHit() == 1140d
        records[0].trapsPerHit() == 2d
        records[1].cyclesPerHit() == 692d
        records[1].trapsPerHit() == 1d
        // spec section 3: an optimized probe is entered by its jump, no trap
        records[2].trapsPerHit() == 0d
        records[2].cyclesPerHit() < records[1].cyclesPerHit()
        // the boosted trampoline has no kprobe: only the entry probe's int3
        records[3].trapsPerHit() == 1d
        Math.abs(records[0].nsPerHit() - 1140 / 2.33d) < 1e-9
    }

    def "measure explains a wrong word: #why"() {
        when:
        ScenarioLoader.loadText('bad.groovy', """
            scenario {
                text '''
                    f: ret
                '''
                ${word}
            }""")

        then:
        def e = thrown(ScenarioException)
        e.message.contains(why)

        where:
        word                                                  | why
        "measure 'uprobe', at: 'f'"                           | "measures kprobe or kretprobe, not 'uprobe'"
        "measure 'kprobe', variant: 'turbo', at: 'f'"         | "knows the kprobe variants plain, booster, optimized, post-handler, not 'turbo'"
        "measure 'kprobe', variant: 'plain'"                  | "needs at: 'function'"
        "measure 'kprobe', at: 'f', hits: 0"                  | 'hits is 1..1000000, not 0'
    }

    def "an optimized measure in era 2006 is refused with a hint"() {
        given:
        def d = ScenarioLoader.loadText('old.groovy', """
            scenario {
                probes { era '2006' }
                text '''
                    f: push %rbp
                       pop %rbp
                       ret
                '''
                measure 'kprobe', variant: 'optimized', at: 'f', hits: 5
            }""")

        when:
        ScenarioMeasures.run(d, CostModel.DEFAULT)

        then:
        def e = thrown(ScenarioException)
        e.message.contains("measure kprobe variant 'optimized' is not available on a 64-bit machine in era 2006")
        e.message.contains("optimized probes start with era '2010'")
    }
}
