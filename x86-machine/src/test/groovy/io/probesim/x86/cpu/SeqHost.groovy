package io.probesim.x86.cpu

import groovy.transform.CompileStatic

import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * The host side of {@link SequenceSpec}: assembles sequences with GNU as (one source per batch, a label
 * per sequence), and runs their bytes natively in the freestanding runner
 * (src/test/resources/cpu/seqrunner.c, built by gcc -m64 or -m32 at test time), one process per batch.
 * Fails loudly when gcc, binutils or an x86 host is missing: this test is never skipped.
 */
@CompileStatic
class SeqHost {

    /** What the host CPU left after one sequence. */
    static class Result {
        int signal                 // 0: ran to the end; else SIGFPE, SIGSEGV, SIGTRAP, SIGILL, SIGBUS
        boolean outside            // a byte of the window's page past the window changed
        long[] regs
        long flags
        long ip                    // end of the sequence, or where the signal hit
        long faultAddress
        byte[] window              // the window's final bytes
    }

    static final int SIGILL = 4, SIGTRAP = 5, SIGBUS = 7, SIGFPE = 8, SIGSEGV = 11

    private static final Map<Integer, Path> RUNNERS = [:]

    /** The window's initial bytes, as the runner fills them (xorshift64 from the seed; kind > 0: bytes mod kind). */
    static byte[] fill(long seed, int kind) {
        byte[] w = new byte[SeqGen.WIN_LEN]
        long s = seed | 1
        for (int i = 0; i < w.length; i++) {
            s ^= s << 13; s ^= s >>> 7; s ^= s << 17
            int x = (int) ((s >>> 24) & 0xff)
            if (kind > 0) x = x % kind
            w[i] = (byte) x
        }
        if (kind == 1) w[Integer.remainderUnsigned((int) (seed >>> 8), SeqGen.WIN_LEN)] = 1
        w
    }

    static synchronized Path runner(int bits) {
        Path hit = RUNNERS[bits]
        if (hit != null) return hit
        HostOracle.requireHost()
        Path dir = Files.createTempDirectory('probesim-seqrunner')
        Path src = dir.resolve('seqrunner.c'), exe = dir.resolve("seqrunner$bits")
        InputStream res = SeqHost.getResourceAsStream('/cpu/seqrunner.c')
        assert res != null: 'test resource cpu/seqrunner.c is missing'
        Files.write(src, res.bytes)
        exec(['gcc', "-m$bits".toString(), '-O1', '-nostdlib', '-static', '-ffreestanding', '-fno-builtin', '-fno-stack-protector',
              '-mgeneral-regs-only', '-fno-pie', '-no-pie', '-o', exe.toString(), src.toString()],
                "gcc is needed to build the host-CPU sequence runner (-m$bits)")
        RUNNERS[bits] = exe
        exe
    }

    /** Assembles every sequence's text with GNU as and stores its bytes in `code`. */
    static void assemble(int bits, List<SeqGen.Sequence> seqs) {
        def sb = new StringBuilder(seqs.size() * 300)
        sb << (bits == 64 ? '.code64\n' : '.code32\n') << '.text\n'
        // the length table first (its size is known), then the sequences back to back
        for (SeqGen.Sequence s : seqs) sb << '.long e' << s.index << ' - s' << s.index << '\n'
        List<Integer> firstLine = []
        int line = 3 + seqs.size()
        for (SeqGen.Sequence s : seqs) {
            firstLine << line
            sb << 's' << s.index << ':\n'
            for (String l : s.lines) sb << l << '\n'
            sb << 'e' << s.index << ':\n'
            line += s.lines.size() + 2
        }
        Path dir = Files.createTempDirectory('probesim-seq-as')
        try {
            Path src = dir.resolve('seq.s'), obj = dir.resolve('seq.o'), bin = dir.resolve('seq.bin')
            Files.writeString(src, sb)
            String err = execOut(['as', bits == 64 ? '--64' : '--32', '-o', obj.toString(), src.toString()])
            if (err != null) throw new AssertionError('GNU as refused generated sequences:\n' + explain(err, seqs, firstLine))
            exec(['objcopy', '-O', 'binary', '-j', '.text', obj.toString(), bin.toString()], 'objcopy (binutils) is needed')
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(bin)).order(ByteOrder.LITTLE_ENDIAN)
            int pos = 4 * seqs.size()
            for (int i = 0; i < seqs.size(); i++) {
                int len = b.getInt(4 * i)
                byte[] code = new byte[len]
                b.get(pos, code)
                seqs[i].code = code
                pos += len
            }
            assert pos == b.capacity(): 'sequence lengths do not add up to the assembled text'
        } finally {
            dir.toFile().deleteDir()
        }
    }

    /** Names the sequences of as's error lines. */
    private static String explain(String err, List<SeqGen.Sequence> seqs, List<Integer> firstLine) {
        def sb = new StringBuilder(err.readLines().take(20).join('\n'))
        def m = err =~ /seq\.s:(\d+):/
        Set<Integer> shown = [] as Set
        while (m.find() && shown.size() < 5) {
            int ln = m.group(1) as int
            int i = firstLine.findLastIndexOf { it <= ln }
            if (i >= 0 && shown.add(i)) sb << "\n-- sequence ${seqs[i].index} (line ${ln - firstLine[i]}):\n" << seqs[i].source()
        }
        sb.toString()
    }

    /** Runs the sequences on the host CPU; one result per sequence. */
    static List<Result> run(int bits, List<SeqGen.Sequence> seqs) {
        Path exe = runner(bits)
        int w = bits == 64 ? 8 : 4, nreg = bits == 64 ? 16 : 8
        int total = 0
        for (SeqGen.Sequence s : seqs) total += 16 + (nreg + 1) * w + s.code.length
        ByteBuffer in = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN)
        for (SeqGen.Sequence s : seqs) {
            in.putInt(s.code.length).putInt(s.fillKind).putLong(s.fillSeed)
            for (int r = 0; r < nreg; r++) putReg(in, w, s.regs[r])
            putReg(in, w, s.flags)
            in.put(s.code)
        }
        Path dir = exe.parent
        Path inFile = dir.resolve("in$bits"), outFile = dir.resolve("out$bits"), errFile = dir.resolve("err$bits")
        Files.write(inFile, in.array())
        Process p
        try {
            p = new ProcessBuilder(exe.toString()).redirectInput(inFile.toFile()).redirectOutput(outFile.toFile())
                    .redirectError(errFile.toFile()).start()
        } catch (IOException e) {
            throw new AssertionError("the ${bits}-bit host sequence runner could not be started: ${e.message}" +
                    (bits == 32 ? ' (does the kernel run 32-bit programs? CONFIG_IA32_EMULATION)' : '') + '; this test is never skipped', e)
        }
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly()
            throw new AssertionError('the host sequence runner timed out')
        }
        if (p.exitValue() != 0) throw new AssertionError("the host sequence runner failed (exit ${p.exitValue()}): ${Files.readString(errFile)}")
        ByteBuffer out = ByteBuffer.wrap(Files.readAllBytes(outFile)).order(ByteOrder.LITTLE_ENDIAN)
        List<Result> results = new ArrayList<>(seqs.size())
        for (SeqGen.Sequence s : seqs) {
            def r = new Result()
            r.signal = out.getInt()
            r.outside = out.getInt() != 0
            int changed = out.getInt()
            out.getInt()
            r.regs = new long[nreg]
            for (int i = 0; i < nreg; i++) r.regs[i] = getReg(out, w)
            r.flags = getReg(out, w)
            r.ip = getReg(out, w)
            r.faultAddress = getReg(out, w)
            r.window = fill(s.fillSeed, s.fillKind)
            for (int i = 0; i < changed; i++) {
                int off = out.getInt(), v = out.getInt()
                for (int k = 0; k < 4; k++) r.window[off + k] = (byte) (v >>> (8 * k))
            }
            results << r
        }
        assert !out.hasRemaining(): 'the host sequence runner wrote more than expected'
        Files.deleteIfExists(inFile)
        Files.deleteIfExists(outFile)
        results
    }

    private static void putReg(ByteBuffer b, int w, long v) {
        if (w == 8) b.putLong(v) else b.putInt((int) v)
    }

    private static long getReg(ByteBuffer b, int w) {
        w == 8 ? b.getLong() : b.getInt() & 0xffffffffL
    }

    private static void exec(List<String> cmd, String need) {
        String err
        try {
            err = execOut(cmd)
        } catch (IOException e) {
            throw new AssertionError("$need and could not be started: ${e.message} (this test is never skipped)", e)
        }
        if (err != null) throw new AssertionError("${cmd.join(' ')} failed:\n$err")
    }

    /** Runs a tool; null when it succeeded, else its output. */
    private static String execOut(List<String> cmd) {
        Process p
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start()
        } catch (IOException e) {
            throw new AssertionError("${cmd[0]} is needed for the host-CPU sequence test and could not be started: ${e.message} (this test is never skipped)", e)
        }
        String text = p.inputStream.text
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly()
            return "${cmd[0]} timed out"
        }
        p.exitValue() == 0 ? null : text
    }
}
