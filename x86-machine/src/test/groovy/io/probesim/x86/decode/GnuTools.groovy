package io.probesim.x86.decode

import java.nio.file.Files
import java.nio.file.Path
import groovy.transform.CompileStatic

import java.util.concurrent.TimeUnit
import java.util.regex.Matcher
import java.util.regex.Pattern

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

    static final Pattern LINE = ~/^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} ?)+)\s*\t(.*)$/
    static final Pattern LINE_NO_TEXT = ~/^\s*([0-9a-f]+):\t((?:[0-9a-f]{2} ?)+)\s*$/
    static final Pattern TARGET = ~/(\s)([0-9a-f]+) <[^>]*>/
    static final Pattern ANNOTATION = ~/ <[^>]*>/
    static final HexFormat HEX = HexFormat.ofDelimiter(' ')

    @CompileStatic
    static List<Line> parse(Iterable<String> lines, int max = Integer.MAX_VALUE) {
        List<Line> out = new ArrayList<>()
        for (String l : lines) {
            if (l.indexOf(':\t') < 0) continue   // headers and labels
            Matcher m = LINE.matcher(l)
            if (m.matches()) {
                Line line = new Line()
                line.address = Long.parseUnsignedLong(m.group(1), 16)
                line.bytes = HEX.parseHex(m.group(2).trim())
                line.text = normalise(m.group(3))
                out.add(line)
                if (out.size() >= max) break
            }
        }
        out
    }

    /** "call   401000 <foo+0x3>" -> "call   0x401000"; "# 4005 <x>" -> "# 0x4005". */
    @CompileStatic
    static String normalise(String t) {
        if (t.indexOf('<') < 0) return t.trim()
        t = TARGET.matcher(t).replaceAll('$10x$2')
        ANNOTATION.matcher(t).replaceAll('').trim()
    }

    /**
     * objdump -D -b binary of raw bytes placed at origin (the bytes as a CPU in that mode would see them), with -w so
     * every instruction is one line.
     */
    static List<Line> disassembleRaw(byte[] code, long origin, Mode mode, String name = 'raw') {
        Path bin = DIR.resolve(name + '.bin')
        Files.write(bin, code)
        parse(run(['objdump', '-D', '-w', '-b', 'binary', '-m', mode == Mode.BITS64 ? 'i386:x86-64' : 'i386',
                   '--adjust-vma=0x' + Long.toHexString(origin), bin.toString()]).readLines())
    }

    /** Lines of objdump -d -w of an object file, by section name (addresses restart at each section). */
    static Map<String, List<Line>> disassembleSections(Path obj, List<String> sections) {
        def args = ['objdump', '-d', '-w']
        sections.each { args << '-j' << it }
        args << obj.toString()
        Map<String, List<Line>> out = [:]
        String current = null
        List<String> chunk = []
        run(args).eachLine { l ->
            def m = l =~ /^Disassembly of section (\S+):$/
            if (m.matches()) {
                if (current != null) out[current] = parse(chunk)
                current = m.group(1)
                chunk = []
            } else chunk << l
        }
        if (current != null) out[current] = parse(chunk)
        out
    }

    /** The raw bytes of one section of an object file. */
    static byte[] sectionBytes(Path obj, String section) {
        Path bin = DIR.resolve(obj.fileName.toString() + section.replace('.', '_') + '.bin')
        Files.deleteIfExists(bin)
        run(['objcopy', '-O', 'binary', '--only-section=' + section, obj.toString(), bin.toString()])
        Files.readAllBytes(bin)
    }

    /** The address (VMA) of a section of an ELF file (objdump -h). */
    static long sectionAddress(Path file, String section) {
        for (String l : run(['objdump', '-h', file.toString()]).readLines()) {
            def t = l.trim().split(/\s+/)
            if (t.length >= 4 && t[1] == section) return Long.parseUnsignedLong(t[3], 16)
        }
        throw new IllegalStateException("no section $section in $file")
    }

    /** Function symbols of an object file: name -> [section, value, size] (objdump -t). */
    static Map<String, List> functions(Path obj) {
        Map<String, List> m = [:]
        run(['objdump', '-t', obj.toString()]).eachLine { l ->
            // 0000000000000000 g     F .text  0000000000000025 dispatch_op
            def x = l =~ /^([0-9a-f]+) .{6}F\s+(\S+)\s+([0-9a-f]+)\s+(\S+)$/
            if (x.matches()) m[x.group(4)] = [x.group(2), Long.parseUnsignedLong(x.group(1), 16), Long.parseUnsignedLong(x.group(3), 16)]
        }
        m
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
