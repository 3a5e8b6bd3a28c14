package io.probesim.scenario.run

import io.probesim.scenario.ScenarioException
import io.probesim.scenario.ScenarioLoader
import io.probesim.sim.explore.Strategies
import spock.lang.Specification
import spock.lang.TempDir

import java.nio.file.Files
import java.nio.file.Path

/** `load 'x.o'`: gcc's kstyle.o in a scenario, next to text that calls it; clear errors for bad objects. */
class ObjectLoadingSpec extends Specification {

    static final Path KSTYLE = Path.of('..', 'fixtures', 'kstyle', 'kstyle.o').toAbsolutePath().normalize()

    @TempDir Path dir

    static String script(String load, String text, String entry = 'worker') {
        """scenario {
    name 'loading'
    machine { cpus 2; preempt false; tick hz: 100000 }
    probes { era '2006' }
    load '${load}'
    text '''${text}'''
    task 'worker', cpu: 0, entry: '${entry}'
    task 'tracer', cpu: 1, {
        kprobe 'fib_recursive'
        sleep 20.us
    }
    check 'no-oops', 'handler-exactly-once'
}
"""
    }

    static final String CALLS_FIB = '''
worker: mov  $6, %rdi
        call fib_recursive
        jmp  worker
'''

    Path write(String source) {
        Path p = dir.resolve('s.groovy')
        Files.writeString(p, source)
        p
    }

    def "the text calls a loaded function by name, and a probe on it fires (path relative to the scenario file)"() {
        given: 'kstyle.o copied beside the script, loaded by a relative path'
        Files.copy(KSTYLE, dir.resolve('kstyle.o'))
        def image = new ScenarioImage(ScenarioLoader.load(write(script('kstyle.o', CALLS_FIB))))

        when:
        def r = new ScenarioRunner(image).run(Strategies.replay(new int[0]))
        def hits = r.log().events().findAll { it.kind() == 'kprobe-pre' }

        then: 'every hit is the loaded fib_recursive, called from the text by name'
        r.violation().isEmpty()
        hits.size() > 0
        hits.every { it.field('probe') == 'fib_recursive' }
        image.objects().size() == 1
        image.objects()[0].symbol('fib_recursive').isPresent()
    }

    def "a task may start at a loaded function"() {
        given:
        def image = new ScenarioImage(ScenarioLoader.load(write(script(KSTYLE.toString(), CALLS_FIB, 'do_work'))))

        when:
        def r = new ScenarioRunner(image).run(Strategies.replay(new int[0]))

        then: 'do_work runs (it calls fib_recursive) and returns: the worker exits'
        r.violation().isEmpty()
        r.log().events().any { it.kind() == 'kprobe-pre' }
        r.log().events().any { it.kind() == 'exit' && it.task() == 'worker' }
    }

    def "a missing object is reported at the load line with where it was looked for"() {
        given:
        def source = script('no/such.o', CALLS_FIB)

        when:
        new ScenarioImage(ScenarioLoader.load(write(source)))

        then:
        def e = thrown(ScenarioException)
        e.line() == source.readLines().findIndexOf { it.contains("load 'no/such.o'") } + 1
        e.problem().contains("load 'no/such.o': no such file")
        e.hint().contains('relative to the scenario file')
    }

    def "#what is refused at the load line, naming the file"() {
        given:
        Files.write(dir.resolve('bad.o'), bytes)
        def source = script('bad.o', CALLS_FIB)

        when:
        new ScenarioImage(ScenarioLoader.load(write(source)))

        then:
        def e = thrown(ScenarioException)
        e.line() == 5
        e.problem().startsWith("load 'bad.o': ")
        e.problem().contains(message)
        e.hint().contains('relocatable x86-64 ELF object')

        where:
        what                  | bytes                                                                              | message
        'a file that is no ELF' | 'hello'.bytes                                                                    | 'bad.o'
        'a 32-bit object'     | Files.readAllBytes(KSTYLE.resolveSibling('kstyle32.o'))                            | '32-bit object cannot be loaded into a 64-bit kernel'
    }

    def "a text label that repeats a loaded function is refused"() {
        given:
        def source = script(KSTYLE.toString(), CALLS_FIB + '\nshort_leaf: ret\n')

        when:
        new ScenarioImage(ScenarioLoader.load(write(source)))

        then:
        def e = thrown(ScenarioException)
        e.problem().contains("label 'short_leaf' in the text is also a function of a loaded object")
    }
}
