package io.probesim.scenario.run

import io.probesim.cli.Overrides
import io.probesim.scenario.ScenarioLoader
import io.probesim.sim.explore.Strategies
import spock.lang.Specification

import java.nio.file.Files
import java.nio.file.Path

/**
 * The per-CPU trace of S1's violation (default schedule, with the knob) as the user reads it,
 * pinned by a golden file so that a change of the rendering or of the model's course shows up
 * in review. Regenerate on purpose with -Dprobesim.regenerateGolden=true.
 */
class TraceGoldenSpec extends Specification {

    static final Path GOLDEN = Path.of('src/test/resources/golden/s1-boostPreemptible-trace.txt')

    def "the trace of S1's violation renders as recorded"() {
        given:
        def engine = new SimulatorEngine()
        def scenario = ScenarioLoader.load(Examples.path('s1'))

        when:
        def outcome = engine.run(scenario, new Overrides(null, ['boostPreemptible']), 0, null)
        def report = outcome.report()
        def trace = report.substring(report.indexOf('Trace of'), report.indexOf('Replay it'))
        if (Boolean.getBoolean('probesim.regenerateGolden')) Files.writeString(GOLDEN, trace)

        then:
        outcome.violation().startsWith('slot-not-freed-while-in-use')
        trace.readLines().every { it.length() <= 2 + 12 + 2 * (3 + 54) }     // columns never overflow
        trace == Files.readString(GOLDEN)
    }
}
