package io.probesim.cli

import spock.lang.Specification

import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path

/**
 * `probesim disasm` against GNU objdump on the same raw bytes: the machine's whole libc .text, cut
 * out with objcopy and placed at its own address. Addresses, instruction bytes and text must agree
 * line for line, and no line may be unnamed or (bad).
 */
class DisasmCommandSpec extends Specification {

    static final Path LIBC = Path.of('/usr/lib/x86_64-linux-gnu/libc.so.6')

    static String run(List<String> cmd) {
        def p = new ProcessBuilder(cmd).redirectErrorStream(true).start()
        String text = p.inputStream.getText('UTF-8')
        assert p.waitFor() == 0: "${cmd.join(' ')} failed: $text"
        text
    }

    int cli(String... args) {
        def o = new ByteArrayOutputStream()
        def e = new ByteArrayOutputStream()
        int code = ProbesimCli.execute({ null }, args, new PrintStream(o, true, 'UTF-8'), new PrintStream(e, true, 'UTF-8'), null)
        out = o.toString(StandardCharsets.UTF_8)
        err = e.toString(StandardCharsets.UTF_8)
        code
    }

    String out, err

    def "disasm of the whole libc .text names every instruction and agrees with objdump line for line"() {
        given: 'the section\'s bytes, cut out by binutils, placed at the section\'s own address'
        assert Files.exists(LIBC): 'libc not found; this spec needs an x86-64 Debian-like host (CI is one)'
        def dir = Files.createTempDirectory('disasm')
        def bin = dir.resolve('text.bin')
        run(['objcopy', '-O', 'binary', '--only-section=.text', LIBC.toString(), bin.toString()])
        String vma = run(['objdump', '-h', LIBC.toString()]).readLines()*.trim().find { it ==~ /\d+ \.text .*/ }.split(/\s+/)[3]
        long origin = Long.parseUnsignedLong(vma, 16)

        when:
        int code = cli('disasm', bin.toString(), '--origin', Long.toHexString(origin))
        def ours = out.readLines().collect { it.split('\t', 4) }
        def theirs = run(['objdump', '-D', '-w', '-b', 'binary', '-mi386:x86-64', "--adjust-vma=0x$vma".toString(), bin.toString()])
                .readLines().findAll { it ==~ /^\s*[0-9a-f]+:\t.*/ }
                .collect { line ->
                    def (addr, bytes, txt) = line.split('\t', 3) + ['']
                    [addr.trim().replace(':', ''), bytes.trim(), txt.trim()]
                }
        def unnamed = ours.findAll { it[3].startsWith('(') }
        def mismatches = (0..<Math.min(ours.size(), theirs.size()))
                .findAll { ours[it][0] != theirs[it][0] || ours[it][2] != theirs[it][1] || ours[it][3] != theirs[it][2] }
        println "disasm libc .text: ${ours.size()} lines, ${unnamed.size()} unnamed or (bad), ${mismatches.size()} differ from objdump"
        mismatches.take(5).each { println "ours ${ours[it]} objdump ${theirs[it]}" }

        then:
        code == 0
        ours.size() > 300_000
        ours.size() == theirs.size()
        unnamed.isEmpty()
        mismatches.isEmpty()
    }

    def "bad arguments exit 2 with a message: #args"() {
        expect:
        cli(args as String[]) == 2
        err.contains(message)

        where:
        args                                              || message
        ['disasm', '/no/such/file']                       || 'no such file'
        ['disasm', '/etc/hostname', '--bits', '16']       || '--bits must be 32 or 64'
        ['disasm', '/etc/hostname', '--origin', 'xyz']    || 'not a hex address'
    }
}
