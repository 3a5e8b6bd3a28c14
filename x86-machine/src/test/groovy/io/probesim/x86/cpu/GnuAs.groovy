package io.probesim.x86.cpu

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * Assembles AT&T source with GNU as (an independent encoder) into flat bytes via objcopy.
 * Position-independent code only: branches and calls to labels of the same source, rip-relative
 * data. Fails loudly when binutils is missing (never a silent skip).
 */
class GnuAs {
    private static final Map<String, byte[]> CACHE = [:]

    static synchronized byte[] assemble(String source, boolean bits64 = true) {
        String key = (bits64 ? '64\n' : '32\n') + source
        byte[] hit = CACHE[key]
        if (hit != null) return hit
        Path dir = Files.createTempDirectory('probesim-gnu-as')
        try {
            Path s = dir.resolve('t.s'), o = dir.resolve('t.o'), bin = dir.resolve('t.bin')
            Files.writeString(s, (bits64 ? '.code64\n' : '.code32\n') + '.text\n' + source + '\n')
            run(['as', bits64 ? '--64' : '--32', '-o', o.toString(), s.toString()])
            run(['objcopy', '-O', 'binary', '-j', '.text', o.toString(), bin.toString()])
            byte[] out = Files.readAllBytes(bin)
            CACHE[key] = out
            return out
        } finally {
            dir.toFile().deleteDir()
        }
    }

    private static void run(List<String> cmd) {
        Process p
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start()
        } catch (IOException e) {
            throw new AssertionError("GNU binutils (${cmd[0]}) is needed as an independent assembler for this test and could not be started: ${e.message}", e)
        }
        String out = p.inputStream.text
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("${cmd.join(' ')} failed:\n$out")
        }
    }
}
