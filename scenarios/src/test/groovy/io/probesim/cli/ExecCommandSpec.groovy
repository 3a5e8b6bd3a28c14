package io.probesim.cli

import spock.lang.Specification
import spock.lang.Unroll

import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * `probesim exec`: the seed 004 programs end with the instruction count line (the count itself is
 * derived from the disassembly in x86-machine's Seed004CountSpec), a program's output reaches
 * our stdout and stderr, and wrong arguments or files exit 2 with a message.
 */
class ExecCommandSpec extends Specification {

    static final String LAST_LINE = /instructions: (\d+)  simulated-ns: (\d+)  wall-ms: (\d+)  mips: (\d+\.\d)/

    static Path fixture(String relative) {
        Path p = Path.of('..', 'fixtures').resolve(relative).toAbsolutePath().normalize()
        assert Files.isRegularFile(p): "fixture $p is missing"
        p
    }

    String out, err

    int cli(String... args) {
        def o = new ByteArrayOutputStream()
        def e = new ByteArrayOutputStream()
        int code = ProbesimCli.execute({ null }, args, new PrintStream(o, true, 'UTF-8'), new PrintStream(e, true, 'UTF-8'), null)
        out = o.toString(StandardCharsets.UTF_8)
        err = e.toString(StandardCharsets.UTF_8)
        code
    }

    @Unroll
    def "exec #binary prints the 12-digit elapsed microseconds, then the instruction count line (#count, Seed004CountSpec's derivation)"() {
        when:
        int code = cli('exec', fixture("seed004/$binary").toString())
        def lines = out.readLines()
        def m = lines.last() =~ LAST_LINE

        then:
        code == 0
        err.isEmpty()
        lines.size() == 2
        lines[0] ==~ /\d{12}/
        m.matches()
        (m.group(1) as long) == count
        (m.group(2) as long) > 0

        where:
        binary             | count
        'test-loop-x86_64' | 10_000_430
        'test-loop-i386'   | 9_000_426
    }

    def "--max-insns stops the program there and says so; --cpus adds idle CPUs"() {
        when:
        int code = cli('exec', fixture('seed004/test-loop-x86_64').toString(), '--max-insns', '12345', '--cpus', '2')

        then:
        code == 0
        out ==~ /(?s)instructions: 12345  simulated-ns: \d+  wall-ms: \d+  mips: \d+\.\d\n/
        err.contains('stopped after 12345 instructions')
    }

    def "a program's stdout and stderr are forwarded, its arguments and environment passed, a nonzero status reported"() {
        given: 'a small static program built by gcc'
        Path dir = Files.createTempDirectory('exec-cli')
        Path src = dir.resolve('p.c'), exe = dir.resolve('p')
        Files.writeString(src, '''
static long sys3(long nr, long a, long b, long c) { long r; asm volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory"); return r; }
static long len(const char *s) { long n = 0; while (s[n]) n++; return n; }
void cstart(long *sp) {
  char **argv = (char **) (sp + 1); char **envp = argv + sp[0] + 1;
  sys3(1, 1, (long) argv[1], len(argv[1])); sys3(1, 1, (long) "\\n", 1);
  sys3(1, 2, (long) envp[0], len(envp[0])); sys3(1, 2, (long) "\\n", 1);
  sys3(231, 5, 0, 0);
}
asm(".globl _start\\n_start:\\n\\tmov %rsp, %rdi\\n\\tand $-16, %rsp\\n\\tcall cstart\\n");
''')
        def gcc = new ProcessBuilder('gcc', '-O1', '-ffreestanding', '-nostdlib', '-static', '-fno-pie', '-no-pie', '-fno-stack-protector',
                '-o', exe.toString(), src.toString()).redirectErrorStream(true).start()
        assert gcc.waitFor(60, TimeUnit.SECONDS) && gcc.exitValue() == 0: "gcc is needed here: ${gcc.inputStream.text}"

        when:
        int code = cli('exec', exe.toString(), '--env', 'GREETING=hi', '--', '--not-an-option')

        then:
        code == 0
        out.readLines()[0] == '--not-an-option'
        out.readLines().last() ==~ LAST_LINE
        err.readLines() == ['GREETING=hi', "probesim exec: ${exe} exited with status 5".toString()]
    }

    @Unroll
    def "exec refuses #what with exit 2: #message"() {
        given:
        Path dir = Files.createTempDirectory('exec-bad')
        Path text = dir.resolve('notes.txt')
        Files.writeString(text, 'not a program')

        when:
        int code = cli(['exec'] + args(text))

        then:
        code == 2
        err.contains(message)
        !out.contains('instructions:')

        where:
        what                 | args                                                                          | message
        'a missing file'     | { Path t -> [t.resolveSibling('nope').toString()] }                            | 'nope: no such file'
        'a text file'        | { Path t -> [t.toString()] }                                                   | 'notes.txt: not an ELF file'
        'a relocatable .o'   | { Path t -> [fixture('kstyle/kstyle.o').toString()] }                          | 'a relocatable object (ET_REL), expected an executable (ET_EXEC)'
        '--cpus 0'           | { Path t -> [fixture('seed004/test-loop-x86_64').toString(), '--cpus', '0'] }  | '--cpus must be 1..64, not 0'
        '--max-insns 0'      | { Path t -> [fixture('seed004/test-loop-x86_64').toString(), '--max-insns', '0'] } | '--max-insns must be at least 1, not 0'
        'a malformed --env'  | { Path t -> [fixture('seed004/test-loop-x86_64').toString(), '--env', 'X'] }   | "--env 'X' is not NAME=VALUE"
    }

    int cli(List<String> args) { cli(args as String[]) }
}
