package io.probesim.x86.exec

import io.probesim.x86.decode.Mode
import io.probesim.x86.elf.ElfTools
import spock.lang.Specification
import spock.lang.Unroll

import java.time.Instant

/**
 * Static user programs (built by gcc at test time) run on our machine and natively on the host:
 * the host's Linux kernel is the reference for the initial stack, the system calls' results and
 * which faults end a process. Simulated clocks are checked against the event log's times.
 */
class UserProgramSpec extends Specification {

    @Unroll
    def "#bits-bit: the initial stack (argc, argv, envp, auxv) is what Linux gives the same program"() {
        given:
        def exe = Programs.build('stack', mode)
        def host = ElfTools.runNative(exe, ['one', 'two words'], [PROBESIM_TEST: 'yes'])
        def ours = Programs.run(exe, ['one', 'two words'], ['PROBESIM_TEST=yes'])

        expect:
        host.exit == 0
        ours.result.outcome() == ExecResult.Outcome.EXITED
        ours.result.exitStatus() == 0
        ours.console.stdoutText() == host.text()
        host.text().contains('aux 6 0x1000\n')                      // AT_PAGESZ
        host.text().contains('argv 2 two words\n')

        where:
        bits | mode
        64   | Mode.BITS64
        32   | Mode.BITS32
    }

    @Unroll
    def "#bits-bit: write, getpid, clock_gettime, gettimeofday and unknown calls return what Linux returns; exit_group's status"() {
        given:
        def exe = Programs.build('syscalls', mode)
        def host = ElfTools.runNative(exe)
        def ours = Programs.run(exe)

        expect:
        host.exit == 3
        ours.result.outcome() == ExecResult.Outcome.EXITED
        ours.result.exitStatus() == 3
        ours.console.stdoutText() == host.text()
        ours.console.stderrText() == new String(host.stderr, 'UTF-8')
        host.text().contains('write-badfd -9\nwrite-badbuf -14\n')
        host.text().contains('unknown -38\n')

        where:
        bits | mode
        64   | Mode.BITS64
        32   | Mode.BITS32
    }

    @Unroll
    def "#bits-bit: a user-mode #what ends the process with #signal, as on Linux, with a message naming the fault"() {
        given:
        def exe = Programs.build('faults', mode)
        def host = ElfTools.runNative(exe, [what])
        def ours = Programs.run(exe, [what])

        expect:
        host.exit == 128 + SIGNALS[signal]
        host.text() == 'before\n'
        ours.console.stdoutText() == 'before\n'
        ours.result.outcome() == ExecResult.Outcome.KILLED
        ours.result.message().contains("($signal); signals are not modelled yet")
        ours.result.message().contains(fault)
        ours.result.message().contains('<cstart+')

        where:
        [bits, mode, what, signal, fault] << [[64, 32], ['null', 'kernel', 'write-text', 'cli', 'hlt', 'ud2', 'int3', 'int81', 'div0']]
                .combinations().collect { int b, String w ->
                    [b, b == 64 ? Mode.BITS64 : Mode.BITS32, w, SIGNAL_OF[w], FAULT_OF[w]]
                }
    }

    static final Map<String, Integer> SIGNALS = [SIGILL: 4, SIGTRAP: 5, SIGFPE: 8, SIGSEGV: 11]
    static final Map<String, String> SIGNAL_OF = [null: 'SIGSEGV', kernel: 'SIGSEGV', 'write-text': 'SIGSEGV', cli: 'SIGSEGV', hlt: 'SIGSEGV',
                                                  ud2: 'SIGILL', int3: 'SIGTRAP', int81: 'SIGSEGV', div0: 'SIGFPE']
    static final Map<String, String> FAULT_OF = [null: 'page fault at 0x0 (read, not mapped) in user mode', kernel: '(read, protection) in user mode',
                                                 'write-text': '(write, protection) in user mode', cli: 'general protection fault in user mode',
                                                 hlt: 'general protection fault in user mode', ud2: 'invalid opcode in user mode', int3: 'int3 at',
                                                 int81: 'int $0x81 through a gate user mode may not use', div0: 'divide error in user mode']

    @Unroll
    def "#bits-bit: the clocks read simulated time: CLOCK_MONOTONIC is the CPU's local time at the call, REALTIME and gettimeofday add the boot epoch 2006-01-01"() {
        given:
        def ours = Programs.run(Programs.build('clocks', mode))
        Map<String, Long> v = ours.console.stdoutText().readLines().collectEntries { l -> def p = l.split(' '); [p[0], p[1] as long] }
        def times = ours.result.outcome() == ExecResult.Outcome.EXITED ? callTimes(ours) : []
        long epoch = Instant.parse('2006-01-01T00:00:00Z').epochSecond

        expect:
        times.size() == 4
        v['mono1-sec'] * 1_000_000_000L + v['mono1-nsec'] == times[0].intdiv(1000)
        (v['tod-sec'] - epoch) * 1_000_000L + v['tod-usec'] == times[1].intdiv(1_000_000)
        (v['real-sec'] - epoch) * 1_000_000_000L + v['real-nsec'] == times[2].intdiv(1000)
        v['mono2-sec'] * 1_000_000_000L + v['mono2-nsec'] == times[3].intdiv(1000)
        times[0] < times[1] && times[1] < times[2] && times[2] < times[3]

        where:
        bits | mode
        64   | Mode.BITS64
        32   | Mode.BITS32
    }

    /** Times (ps) of the program's clock calls (its first four system calls), from the syscall events the kernel logged. */
    private static List<Long> callTimes(Programs.Ours ours) {
        ours.result.eventLog().events().findAll { it.kind() == 'syscall' }.take(4)*.time()
    }
}
