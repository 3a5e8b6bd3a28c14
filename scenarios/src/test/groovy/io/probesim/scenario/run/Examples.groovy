package io.probesim.scenario.run

import io.probesim.cli.Overrides
import io.probesim.scenario.ProbesConfig
import io.probesim.scenario.ScenarioDefinition
import io.probesim.scenario.ScenarioLoader

import java.nio.file.Files
import java.nio.file.Path

/** The shipped scenarios, loaded from scenarios/examples, with knobs added as the CLI would. */
class Examples {
    static final Path DIR = Path.of('examples')

    /** The example whose row id is `row` (e.g. 's1' finds s1-*.groovy, not s10-*). */
    static Path path(String row) {
        Files.list(DIR).withCloseable { s -> s.filter { it.fileName.toString().startsWith(row + '-') }.findFirst().orElseThrow() }
    }

    static ScenarioDefinition load(String prefix, List<String> knobs = [], String era = null) {
        ScenarioDefinition scenario = ScenarioLoader.load(path(prefix))
        new Overrides(era, knobs).applyTo(scenario)
    }

    static ScenarioRunner runner(String prefix, List<String> knobs = [], String era = null) {
        new ScenarioRunner(new ScenarioImage(load(prefix, knobs, era)))
    }

    /** The scenario checking only `checks`, to show one invariant catches a race on its own. */
    static ScenarioRunner runnerChecking(String prefix, List<String> knobs, List<String> checks) {
        def s = load(prefix, knobs)
        new ScenarioRunner(new ScenarioImage(new ScenarioDefinition(s.name(), s.machine(), s.probes(), s.text(),
                s.objects(), s.tasks(), checks, s.explore(), s.settlePs(), s.timeLimitPs(), s.file())))
    }
}
