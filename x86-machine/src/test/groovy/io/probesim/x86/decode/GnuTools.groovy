package io.probesim.x86.decode

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/** Runs GNU as / objdump / objcopy / nm (binutils) as independent references for the specs. */
class GnuTools {
    static final Path DIR = Files.createTempDirectory('probesim-gnu')

    /** One objdump instruction: address, bytes, text with "<sym>" annotations normalised away. */
    static class Line {
        long address
        byte[] bytes
        String text
    }

    static String run(List<String> cmd, Path cwd = DIR) {
        Process p
        try {
            p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start()
        } catch (IOException e) {
            throw new IllegalStateException("cannot run ${cmd[0]} (GNU binutils must be installed): ${e.message}")
        }
        String out = p.inputStream.text
        if (!p.waitFor(120, TimeUnit.SECONDS)) { p.destroy(); throw new IllegalStateException("${cmd} timed out") }
        if (p.exitValue() != 0) throw new IllegalStateException("${cmd} failed:\n${out}")
        out
    }

    /** Assembles source with `as --32/--64` into an object file. */
    static Path assemble(String source, Mode mode, String name = 'src') {
        Path s = DIR.resolve(name + '.s'), o = DIR.resolve(name + '.o')
        Files.writeString(s, source + '\n')
        run(['as', mode == Mode.BITS64 ? '--64' : '--32', '-o', o.toString(), s.toString()])
        o
    }

    static byte[] textBytes(Path obj) {
        Path bin = DIR.resolve(obj.fileName.toString() + '.bin')
        run(['objcopy', '-O', 'binary', '--only-section=.text', obj.toString(), bin.toString()])
        Files.readAllBytes(bin)
    }

    /** Links obj at address 0 with ld (resolving absolute relocations) and returns the linked file. */
    static Path link(Path obj, Mode mode) {
        Path elf = DIR.resolve(obj.fileName.toString() + '.elf')
        run(['ld', mode == Mode.BITS64 ? '-melf_x86_64' : '-melf_i386', '-Ttext=0', '-e', '0', '-o', elf.toString(), obj.toString()])
        elf
    }

    /** name -> address of the symbols of an object file (nm). */
    static Map<String, Long> symbols(Path obj) {
        def m = [:] as LinkedHashMap<String, Long>
        run(['nm', obj.toString()]).eachLine { l ->
            def t = l.trim().split(/\s+/)
            if (t.length == 3) m[t[2]] = Long.parseUnsignedLong(t[0], 16)
        }
        m
    }

    static List<Line> disassemble(Path obj, Mode mode) {
        parse(run(['objdump', '-d', '-w', '-M', mode == Mode.BITS64 ? 'att' : 'att,i386', obj.toString()]).readLines())
    }

    static final def LINE = ~/^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} ?)+)\s*\t(.*)$/
    static final def LINE_NO_TEXT = ~/^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} ?)+)\s*$/

    static List<Line> parse(Iterable<String> lines, int max = Integer.MAX_VALUE) {
        List<Line> out = []
        for (String l : lines) {
            def m = LINE.matcher(l)
            if (m.matches()) {
                out << new Line(address: Long.parseUnsignedLong(m.group(1), 16),
                        bytes: HexFormat.ofDelimiter(' ').parseHex(m.group(2).trim()), text: normalise(m.group(3)))
                if (out.size() >= max) break
            }
        }
        out
    }

    /** "call   401000 <foo+0x3>" -> "call   0x401000"; "# 4005 <x>" -> "# 0x4005". */
    static String normalise(String t) {
        t = t.replaceAll(/(\s)([0-9a-f]+) <[^>]*>/, '$10x$2')
        t.replaceAll(/ <[^>]*>/, '').trim()
    }

    /** First max instructions of objdump -d of one section of a (large) file, stopping objdump early. */
    static List<Line> disassembleFile(String file, String section, int max) {
        Process p
        try {
            p = new ProcessBuilder(['objdump', '-d', '-w', '-M', 'att', '--section=' + section, file]).redirectErrorStream(true).start()
        } catch (IOException e) {
            throw new IllegalStateException("cannot run objdump (GNU binutils must be installed): ${e.message}")
        }
        try {
            def reader = p.inputStream.newReader()
            return parse(new Iterable<String>() {
                Iterator<String> iterator() { reader.iterator() }
            }, max)
        } finally {
            p.destroyForcibly()
        }
    }
}
