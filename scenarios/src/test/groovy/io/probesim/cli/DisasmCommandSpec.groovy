package io.probesim.cli

import spock.lang.Specification

import java.nio.charset.StandardCharsets
import java.nio.file.Files
import java.nio.file.Path

/**
 * `probesim disasm` against GNU objdump on the same raw bytes: a slice of the machine's libc
 * text, cut out with objcopy. Addresses and instruction bytes must agree line for line, and so
 * must the text wherever both name the instruction.
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

    def "disasm of 16 KiB of libc text agrees with objdump"() {
        given: 'the bytes, cut out by binutils'
        assert Files.exists(LIBC): 'libc not found; this spec needs an x86-64 Debian-like host (CI is one)'
        def dir = Files.createTempDirectory('disasm')
        def text = dir.resolve('text.bin')
        run(['objcopy', '-O', 'binary', '--only-section=.text', LIBC.toString(), text.toString()])
        // Start at a function boundary objdump itself finds: the first instruction after 4 KiB
        byte[] all = Files.readAllBytes(text)
        byte[] slice = Arrays.copyOfRange(all, 0, 16384)
        def bin = dir.resolve('slice.bin')
        Files.write(bin, slice)
        long origin = 0x401000

        when:
        int code = cli('disasm', bin.toString(), '--origin', Long.toHexString(origin))
        def ours = out.readLines().collect { it.split('\t') }
        def theirs = run(['objdump', '-D', '-b', 'binary', '-mi386:x86-64', "--adjust-vma=$origin".toString(), bin.toString()])
                .readLines().findAll { it ==~ /^\s+[0-9a-f]+:\t.*/ }
                .collect { line ->
                    def (addr, bytes, txt) = line.split('\t', 3) + ['']
                    [addr.trim().replace(':', ''), bytes.trim(), txt.trim().replaceAll(/\s+/, ' ')]
                }
        // objdump continues one instruction's long byte list on the next line without text
        def merged = []
        theirs.each { t -> if (t[2].isEmpty() && merged) merged[-1][1] += ' ' + t[1] else merged << t }
        // the last instruction may be cut by the slice; compare all but the final one
        int n = Math.min(ours.size(), merged.size()) - 1
        // SSE/AVX/x87 instructions are decoded for length only (they print as "(unnamed ...)")
        def named = (0..<n).findAll { !ours[it][3].startsWith('(') && !merged[it][2].startsWith('(bad)') && !merged[it][2].startsWith('.byte') }
        def lengthMismatches = (0..<n).findAll { ours[it][0] != merged[it][0] || ours[it][2] != merged[it][1] }
                .take(5).collect { "ours ${ours[it]} objdump ${merged[it]}".toString() }
        def textMismatches = named.findAll { norm(ours[it][3]) != norm(merged[it][2]) }
                .take(5).collect { "ours '${ours[it][3]}' objdump '${merged[it][2]}'".toString() }

        then:
        code == 0
        n > 3000
        named.size() > n * 0.9
        lengthMismatches.isEmpty()
        textMismatches.isEmpty()
    }

    /** objdump's optional annotations (<symbol>, # rip target) and spacing do not count. */
    static String norm(String s) {
        s.replaceAll(/ <[^>]*>/, '').replaceAll(/\s+#.*/, '').replaceAll(/\s+/, ' ').trim()
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
