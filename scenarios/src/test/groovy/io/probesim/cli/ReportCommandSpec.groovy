package io.probesim.cli

import spock.lang.Specification
import spock.lang.TempDir

import java.nio.file.Files
import java.nio.file.Path

/** `probesim report timing`: the files it writes, its summary, and its refusals (exit 2). */
class ReportCommandSpec extends Specification {
    @TempDir Path dir

    Map run(String... args) {
        def o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream()
        int code = ProbesimCli.execute({ null }, args, new PrintStream(o, true, 'UTF-8'), new PrintStream(e, true, 'UTF-8'), null)
        [code: code, out: o.toString('UTF-8'), err: e.toString('UTF-8')]
    }

    def "report timing writes the CSV, the chart and the summary and states the fitted column"() {
        when:
        def r = run('report', 'timing', '--out', dir.toString(), '--hits', '20')

        then:
        r.code == 0
        r.out.contains('calibration: fitted on seed 001 (2010) x86-64')
        r.out.contains('seed 001 (2010) x86-64 kprobe: optimized < booster < plain < post-handler  OK')
        r.out.contains('seed 001 (2010) x86-64 kretprobe: optimized < booster < plain  OK')
        Files.readAllLines(dir.resolve('timing.csv'))[0] ==
                'mechanism,arch,era,variant,hits,traps_per_hit,insns_per_hit,cycles_per_hit,ns_per_hit,clock_ghz,published_us,published_source,ratio_to_published'
        Files.readAllLines(dir.resolve('timing.csv')).size() == 1 + 32
        Files.size(dir.resolve('timing.png')) > 0
        Files.readString(dir.resolve('timing.txt')) == r.out.substring(0, r.out.indexOf('wrote '))
    }

    def "--no-fit with --cost measures the given model; every row is a prediction"() {
        when:
        def r = run('report', 'timing', '--out', dir.toString(), '--hits', '5', '--no-fit', '--era', '2010', '--cost', 'iret=150')

        then:
        r.code == 0
        r.out.contains('calibration: none; cost model CostModel{IRET=150}')
        !r.out.contains('fitted ')
        // plain kprobe at the defaults is 1140 cycles (TimingBenchSpec); two irets at +50 each: 1240
        r.out.contains('predicted seed 001 (2010)              kprobe     x86-64 plain                 2.00    1.00  1240.0')
    }

    def "wrong arguments exit 2 with a message naming what is accepted"() {
        when:
        def r = run(args as String[])

        then:
        r.code == 2
        r.err.contains(message)

        where:
        args                                             | message
        ['report', 'latency']                            | "unknown report 'latency'; there is: timing"
        ['report', 'timing', '--era', '1999']            | "unknown era '1999'; eras: 2006, 2010, 2017, modern"
        ['report', 'timing', '--cost', 'warp_drive=3']   | "unknown cost 'warp_drive'; costs: trap_entry"
        ['report', 'timing', '--hits', '0']              | '--hits must be at least 1'
    }
}
