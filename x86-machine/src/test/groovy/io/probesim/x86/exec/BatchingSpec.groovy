package io.probesim.x86.exec

import io.probesim.x86.elf.ElfTools
import spock.lang.Specification
import spock.lang.Unroll

/**
 * Batched execution (many user instructions per engine step) changes nothing but speed: the
 * same event log (timer interrupts land on the same instructions), the same instruction count
 * and simulated time as one engine step per instruction. The instruction limit is exact either
 * way, and idle CPUs do not change the program's run.
 */
class BatchingSpec extends Specification {

    @Unroll
    def "#binary, #cpus CPU(s), limit #limit: batched and per-instruction runs give the same event log, count and time"() {
        given:
        def exe = ElfTools.fixture("seed004/${binary}")

        when:
        def batched = Programs.run(exe, [], [], cpus, limit, true)
        def stepped = Programs.run(exe, [], [], cpus, limit, false)
        def irqs = batched.result.eventLog().events().count { it.kind() == 'irq' }

        then:
        batched.result.outcome() == ExecResult.Outcome.INSTRUCTION_LIMIT
        batched.result.instructions() == limit
        stepped.result.instructions() == limit
        batched.result.simulatedNs() == stepped.result.simulatedNs()
        batched.result.eventLog().sha256() == stepped.result.eventLog().sha256()
        irqs >= cpus                                               // timer interrupts happened, on every CPU

        where:
        binary             | cpus | limit
        'test-loop-x86_64' | 1    | 1_500_000
        'test-loop-i386'   | 1    | 1_500_000
        'test-loop-x86_64' | 2    | 1_500_000
    }

    def "the program's run does not depend on how many CPUs idle beside it"() {
        given:
        def exe = ElfTools.fixture('seed004/test-loop-x86_64')

        when:
        def runs = [1, 2, 4].collect { Programs.run(exe, [], [], it) }

        then:
        runs*.result*.outcome().every { it == ExecResult.Outcome.EXITED }
        runs*.result*.instructions().unique() == [10_000_430L]
        runs*.console*.stdoutText().unique().size() == 1
        runs*.result*.simulatedNs().unique().size() == 1
    }
}
