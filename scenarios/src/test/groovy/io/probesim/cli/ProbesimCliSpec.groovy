package io.probesim.cli

import io.probesim.scenario.Catalog
import io.probesim.scenario.ScenarioDefinition
import io.probesim.scenario.ScenarioException
import spock.lang.Specification
import spock.lang.TempDir

import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

class ProbesimCliSpec extends Specification {
    static final String EXAMPLE = 'src/test/resources/scenarios/design-example.groovy'
    static final Path SPEC = Path.of('../../shared/spec/invariants.md')

    @TempDir Path dir
    FakeEngine engine = new FakeEngine()
    String out, err

    int cli(String... args) {
        def o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream()
        int code = ProbesimCli.execute({ engine }, args, new PrintStream(o, true, 'UTF-8'), new PrintStream(e, true, 'UTF-8'), null)
        out = o.toString(StandardCharsets.UTF_8)
        err = e.toString(StandardCharsets.UTF_8)
        code
    }

    def "run: every invariant held -> exit 0, ends with the event-log-sha256 line"() {
        when:
        int code = cli('run', EXAMPLE, '--seed', '7', '--trace', 'x.csv')

        then:
        code == 0
        out.readLines().last() == 'event-log-sha256: ' + FakeEngine.SHA
        out.contains('report of run')
        engine.calls == ['run seed=7 trace=x.csv']
        engine.lastScenario.name() == 'booster: unregister while a task is preempted in the slot'
        err.isEmpty()
    }

    def "run without --seed uses the scenario's seed or 0"() {
        when:
        cli('run', EXAMPLE)

        then:
        engine.calls == ['run seed=0 trace=null']
    }

    def "run: a violation -> exit 1 with the violation and the token"() {
        given:
        engine.violation = 'slot-not-freed-while-in-use: slot 0xffff0000 reused while cpu0 is inside it'

        when:
        int code = cli('run', EXAMPLE)

        then:
        code == 1
        out.contains('VIOLATION: slot-not-freed-while-in-use')
        out.contains('replay token: ' + FakeEngine.TOKEN)
        out.readLines().last() == 'event-log-sha256: ' + FakeEngine.SHA
    }

    def "explore: the scenario's defaults with the options on top, progress lines on stderr"() {
        when:
        int code = cli('explore', EXAMPLE, '--strategy', 'dfs', '--schedules', '1000', '--seed', '3',
                '--jobs', '2', '--time', '1m30s', '--depth', '4', '--era', '2010', '--knob', 'skipSyncBeforeFree')

        then:
        code == 0
        engine.options == new ExploreOptions('dfs', 1000, 3, 2, Duration.ofSeconds(90), 4)
        engine.overrides == new Overrides('2010', ['skipSyncBeforeFree'])
        engine.overrides.applyTo(engine.lastScenario).probes().knobs() == ['boostPreemptible', 'skipSyncBeforeFree']
        engine.overrides.applyTo(engine.lastScenario).probes().era() == '2010'
        err.readLines() == (1..10).collect { "explored ${it * 100}/1000 schedules (0 violations)".toString() }
        out.contains('schedules: 1000 (2500.0/s), distinct interleavings: 17')
        out.contains('no violation in 1000 schedules')
        out.readLines().last() == 'event-log-sha256: ' + FakeEngine.SHA
    }

    def "explore with no options takes the scenario's explore line"() {
        when:
        cli('explore', EXAMPLE)

        then:
        engine.options.strategy() == 'pct'
        engine.options.schedules() == 5000
        engine.options.depth() == 3
        engine.options.seed() == 0
        engine.options.time() == null
        engine.overrides == Overrides.NONE
    }

    def "explore: a violation -> exit 1"() {
        given:
        engine.violation = 'no-oops: #UD at 0x1000'

        expect:
        cli('explore', EXAMPLE) == 1
        out.contains('VIOLATION: no-oops')
        out.contains('replay token: ' + FakeEngine.TOKEN)
        out.readLines().last().startsWith('event-log-sha256: ')
    }

    def "replay passes the token"() {
        expect:
        cli('replay', EXAMPLE, '--token', 'tok-1') == 0
        engine.calls == ['replay token=tok-1 trace=null']
        out.readLines().last() == 'event-log-sha256: ' + FakeEngine.SHA
    }

    def "a wrong scenario -> exit 2 with file:line:col: message (hint)"() {
        given:
        def bad = dir.resolve('bad.groovy')
        Files.writeString(bad, "scenario {\n  probes { knob 'boostPremptible' }\n}\n")

        when:
        int code = cli('run', bad.toString())

        then:
        code == 2
        err.trim() == "${bad}:2:17: unknown knob 'boostPremptible' (hint: did you mean 'boostPreemptible'?)".toString()
        engine.calls.isEmpty()
    }

    def "a scenario error found by the engine -> exit 2"() {
        given:
        engine.failure = new ScenarioException('s.groovy', 16, 17, "unknown symbol 'targt'", 'labels: target, worker')

        expect:
        cli('run', EXAMPLE) == 2
        err.trim() == "s.groovy:16:17: unknown symbol 'targt' (hint: labels: target, worker)"
    }

    def "usage errors -> exit 2: #args"() {
        expect:
        cli(args as String[]) == 2
        err.contains(message)

        where:
        args                                              | message
        ['run']                                           | 'Missing required parameter'
        ['replay', EXAMPLE]                               | "Missing required option: '--token=T'"
        ['explore', EXAMPLE, '--time', 'soon']            | "'soon' is not a duration"
        ['explore', EXAMPLE, '--strategy', 'bfs']         | "unknown strategy 'bfs'"
        ['run', EXAMPLE, '--era', '2011']                 | "unknown era '2011'"
        ['run', EXAMPLE, '--knob', 'nope']                | "unknown knob 'nope'"
        ['run', EXAMPLE, '--knob', 'noRipRelFixup']       | 'not implemented'
        ['run', EXAMPLE, '--bogus']                       | "Unknown option: '--bogus'"
        ['list', 'everything']                            | 'Invalid value'
        ['frobnicate']                                    | 'Unmatched argument'
        ['run', 'no/such.groovy']                         | 'no/such.groovy: no such scenario file'
    }

    def "an internal error -> exit 3, please report, stack trace only with --verbose"() {
        given:
        engine.failure = new IllegalStateException('queue corrupted')

        when:
        int quiet = cli('run', EXAMPLE)
        def quietErr = err
        int loud = cli('run', EXAMPLE, '--verbose')

        then:
        quiet == 3
        quietErr.contains('internal error: java.lang.IllegalStateException: queue corrupted')
        quietErr.contains('please report')
        !quietErr.contains('\tat ')
        loud == 3
        err.contains('\tat ')
    }

    def "list knobs prints every knob of invariants.md"() {
        given:
        def specKnobs = knobsOfSpec()

        when:
        int code = cli('list', 'knobs')

        then:
        code == 0
        specKnobs.size() == 19
        specKnobs.every { k -> out.readLines().any { it.startsWith(k + ' ') } }
        Catalog.knobNames() as Set == specKnobs as Set
        out.readLines().size() == specKnobs.size()
    }

    def "list invariants prints every built-in invariant of invariants.md"() {
        given:
        def lines = Files.readAllLines(SPEC)
        def names = lines.dropWhile { !it.startsWith('## Built-in invariants') }.drop(1)
                .takeWhile { !it.startsWith('## ') }
                .findAll { it ==~ /^\| `[a-z-]+` .*/ }
                .collect { (it =~ /`([a-z-]+)`/)[0][1] }

        expect:
        cli('list', 'invariants') == 0
        names.size() == 13
        Catalog.invariantNames() == names
        names.every { n -> out.readLines().any { it.startsWith(n + ' ') } }
    }

    def "list eras"() {
        expect:
        cli('list', 'eras') == 0
        out.readLines()*.split(' ')*.getAt(0) == ['2006', '2010', '2017', 'modern']
    }

    def "list scenarios prints each shipped script with its name"() {
        given:
        def saved = ProbesimCli.examples
        ProbesimCli.examples = Path.of('examples')

        when:
        int code = cli('list', 'scenarios')

        then:
        code == 0
        out.readLines().contains('examples/s1-booster-preempted-in-slot.groovy\tS1: booster on CONFIG_PREEMPT, a task preempted inside a boosted slot')
        out.readLines().contains('examples/s2-booster-free-without-sync.groovy\tS2: booster slot freed without synchronize_sched')

        cleanup:
        ProbesimCli.examples = saved
    }

    def "--help and --version exit 0"() {
        expect:
        cli('--help') == 0
        out.contains('run') && out.contains('explore') && out.contains('replay') && out.contains('list')
        cli('--version') == 0
        out.trim() == 'probesim 0.1.0'
        cli('explore', '--help') == 0
        ['--strategy', '--schedules', '--seed', '--jobs', '--time', '--depth', '--era', '--knob', '--verbose'].every { out.contains(it) }
    }

    def "the plain progress reporter prints at most one line per tenth"() {
        given:
        def w = new StringWriter()
        def p = new ProgressReporter(new PrintWriter(w), null, 5000)

        when:
        (1..5000).each { p.update(it, 5000, it > 1200 ? 1 : 0) }
        p.close()

        then:
        def lines = w.toString().readLines()
        lines.size() == 10
        lines[0] == 'explored 500/5000 schedules (0 violations)'
        lines[2] == 'explored 1500/5000 schedules (1 violation)'
        lines[9] == 'explored 5000/5000 schedules (1 violation)'
    }

    /** The knob column of the matrix: backticked names; "(functional ...)" rows have none. */
    static List<String> knobsOfSpec() {
        def rows = Files.readAllLines(SPEC).findAll { it ==~ /^\| S\d+ .*/ }
        rows.collect { it.split(/\|/)[3].trim() }.findAll { !it.startsWith('(functional') }.collectMany { cell -> (cell =~ /`([a-z][A-Za-z]+)`/).collect { it[1] } }
    }

    static class FakeEngine implements Engine {
        static final String SHA = 'ab' * 32
        static final String TOKEN = 'ps1-AAAA'
        List<String> calls = []
        String violation
        RuntimeException failure
        ScenarioDefinition lastScenario
        ExploreOptions options
        Overrides overrides

        RunOutcome run(ScenarioDefinition s, Overrides o, long seed, Path trace) {
            if (failure) throw failure
            lastScenario = s; overrides = o
            calls << "run seed=$seed trace=$trace".toString()
            new RunOutcome(violation, 'report of run\n', TOKEN, SHA)
        }

        ExploreOutcome explore(ScenarioDefinition s, Overrides o, ExploreOptions opts, Progress progress) {
            if (failure) throw failure
            lastScenario = s; overrides = o; options = opts
            for (long i = 1; i <= opts.schedules(); i++) {
                progress.update(i, opts.schedules(), 0)
            }
            new ExploreOutcome(violation, '', opts.schedules(), 2500.0d, 17, TOKEN, SHA)
        }

        RunOutcome replay(ScenarioDefinition s, Overrides o, String token, Path trace) {
            if (failure) throw failure
            lastScenario = s
            calls << "replay token=$token trace=$trace".toString()
            new RunOutcome(violation, null, token, SHA)
        }
    }
}
