package io.probesim.x86.exec

import io.probesim.x86.decode.GnuTools
import io.probesim.x86.elf.ElfTools
import spock.lang.Specification
import spock.lang.Unroll

import java.nio.file.Path

/**
 * Seed 004's loop (fixtures/seed004, x86-64 and i386): the number of instructions `probesim exec`
 * reports is derived here from `objdump -d` of the binary alone, independently of the interpreter.
 * The program is straight-line code except main's loop, so every instruction of _start, main,
 * sys3 and test runs once per call, except the loop's body, test() and the loop condition.
 */
class Seed004CountSpec extends Specification {

    static final long ITERATIONS = 1_000_000

    /** One disassembled instruction. */
    static class Insn {
        long address; String text
        String toString() { "${Long.toHexString(address)}: $text" }
    }

    /** function name -> its instructions, from `objdump -d -w`. */
    static Map<String, List<Insn>> disassemble(Path binary) {
        Map<String, List<Insn>> functions = [:]
        List<Insn> current = null
        GnuTools.run(['objdump', '-d', '-w', binary.toString()]).eachLine { l ->
            def head = l =~ /^([0-9a-f]+) <(\S+)>:$/
            if (head.matches()) { current = []; functions[head.group(2)] = current; return }
            def row = l =~ /^\s*([0-9a-f]+):\t[0-9a-f ]+\t(.*)$/
            if (row.matches() && current != null) current << new Insn(address: Long.parseLong(row.group(1), 16), text: row.group(2).trim())
        }
        functions
    }

    /** The expected count and the figures it is made of. */
    static Map<String, Long> derive(Path binary) {
        def f = disassemble(binary)
        List<Insn> main = f['main'], test = f['test'], sys3 = f['sys3'], start = f['_start']
        assert main && test && sys3 && start: "objdump shows no main/test/sys3/_start in ${binary}: ${f.keySet()}"

        // the loop condition: cmpl $0xf423f,<i> followed by jle back to the body (i <= 999999)
        int cmp = main.findIndexOf { it.text ==~ /cmpl\s+\$0xf423f,.*/ }
        assert cmp > 0 && main[cmp + 1].text ==~ /jle\s+[0-9a-f]+ <main\+0x[0-9a-f]+>/
        long bodyStart = Long.parseLong((main[cmp + 1].text =~ /jle\s+([0-9a-f]+)/)[0][1] as String, 16)
        int first = main.findIndexOf { it.address == bodyStart }
        List<Insn> body = main.subList(first, cmp)                  // [mov $0x0,%eax;] call <test>; addl $0x1,<i>
        assert body.any { it.text ==~ /call\s+[0-9a-f]+ <test>/ } && body.last().text ==~ /addl\s+\$0x1,.*/
        assert main[first - 1].text ==~ /jmp\s+[0-9a-f]+ <main\+0x[0-9a-f]+>/   // the jump to the condition, taken once
        long condition = 2                                          // cmpl, jle

        // nothing else in main, test or sys3 branches: straight-line code
        def branches = { List<Insn> code -> code.findAll { it.text ==~ /(j\w+|loop\w*|call|ret)\b.*/ }*.text*.tokenize()*.first() }
        assert branches(main) == ['call'] + ['jmp', 'call', 'jle'] + ['call'] * 2 + ['ret']
        assert branches(test) == ['ret'] && branches(sys3) == ['ret']
        long callsOfSys3InMain = main.count { it.text ==~ /call\s+[0-9a-f]+ <sys3>/ }

        // _start: up to its call of sys3(SYS_exit, main(), 0, 0); sys3 then runs up to the system call, which ends the process
        long startToExitCall = start.findIndexOf { it.text ==~ /call\s+[0-9a-f]+ <sys3>/ } + 1
        long sys3ToTrap = sys3.findIndexOf { it.text ==~ /(syscall|int\s+\$0x80)/ } + 1

        long straight = startToExitCall + (main.size() - body.size() - condition) + callsOfSys3InMain * sys3.size() + sys3ToTrap
        long expected = straight + ITERATIONS * (body.size() + test.size()) + (ITERATIONS + 1) * condition
        [start: startToExitCall, main: (long) main.size(), body: (long) body.size(), test: (long) test.size(), condition: condition,
         sys3: (long) sys3.size(), sys3ToTrap: sys3ToTrap, sys3CallsInMain: callsOfSys3InMain, straight: straight, expected: expected]
    }

    @Unroll
    def "#binary: probesim exec runs #expected instructions, derived from the disassembly (#arithmetic)"() {
        given:
        Path exe = ElfTools.fixture("seed004/${binary}")
        def d = derive(exe)

        when:
        def ours = Programs.run(exe)

        then:
        d.expected == expected                                     // the figure in the README
        ours.result.outcome() == ExecResult.Outcome.EXITED
        ours.result.exitStatus() == 0
        ours.result.instructions() == d.expected
        ours.console.stdoutText() ==~ /\d{12}\n/

        where:
        binary             | expected   | arithmetic
        'test-loop-x86_64' | 10_000_430 | '_start 10 + (main 367 - body 3 - cond 2) + 3 x sys3 15 + sys3 to syscall 11 = 428; + 1e6 x (body 3 + test 5) + 1000001 x cond 2'
        'test-loop-i386'   | 9_000_426  | '_start 8 + (main 369 - body 2 - cond 2) + 3 x sys3 14 + sys3 to int $0x80 9 = 424; + 1e6 x (body 2 + test 5) + 1000001 x cond 2'
    }

    @Unroll
    def "#binary: the printed elapsed microseconds are the simulated time between its two gettimeofday calls"() {
        given:
        def ours = Programs.run(ElfTools.fixture("seed004/${binary}"))
        def calls = ours.result.eventLog().events().findAll { it.kind() == 'syscall' && it.field('ret') != null }
        long first = calls[0].time().intdiv(1_000_000), second = calls[1].time().intdiv(1_000_000)   // ps -> whole us

        expect:
        calls.size() == 3                                          // gettimeofday, gettimeofday, write (exit is logged apart)
        (ours.console.stdoutText().trim() as long) == second - first

        where:
        binary << ['test-loop-x86_64', 'test-loop-i386']
    }
}
