package io.probesim.x86.elf

import io.probesim.x86.decode.GnuTools
import io.probesim.x86.decode.Mode

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * GNU binutils and gcc as independent references for the ELF loader: readelf/objdump listings
 * parsed into plain maps, GNU ld linking an object at a given placement, gcc building freestanding
 * harnesses that the host CPU runs. A missing tool fails the spec with a message, never skips it.
 */
class ElfTools {

    /** The repository's fixtures directory (specs run in the module directory). */
    static Path fixture(String relative) {
        Path p = Path.of('..', 'fixtures').resolve(relative).toAbsolutePath().normalize()
        if (!Files.isRegularFile(p)) throw new AssertionError("fixture $p is missing (run from the x86-machine module directory)")
        p
    }

    /** One `readelf -sW` row. */
    static class ElfSym {
        String name; long value; long size; String type; String bind; String ndx
    }

    static List<ElfSym> readelfSymbols(Path file) {
        def row = ~/^\s*\d+:\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+(\w+)\s+(\w+)\s+(\w+)\s+(\S+)\s*(\S*)$/
        List<ElfSym> out = []
        GnuTools.run(['readelf', '-sW', file.toString()]).eachLine { l ->
            def m = row.matcher(l)
            if (m.matches()) {
                String sz = m.group(2)
                out << new ElfSym(value: Long.parseUnsignedLong(m.group(1), 16),
                        size: sz.startsWith('0x') ? Long.parseLong(sz.substring(2), 16) : Long.parseLong(sz),
                        type: m.group(3), bind: m.group(4), ndx: m.group(6), name: m.group(7))
            }
        }
        assert !out.isEmpty(): "readelf printed no symbols for $file"
        out
    }

    /** Section index -> name, from `readelf -SW`. */
    static Map<Integer, String> readelfSectionNames(Path file) {
        def row = ~/^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+.*$/
        Map<Integer, String> out = [:]
        GnuTools.run(['readelf', '-SW', file.toString()]).eachLine { l ->
            def m = row.matcher(l)
            if (m.matches() && m.group(1) != '0') out[m.group(1) as int] = m.group(2)
        }
        out
    }

    /** One `objdump -h` section: size, alignment, flags. */
    static class ObjSection {
        String name; long size; long vma; long align; Set<String> flags
    }

    static List<ObjSection> objdumpSections(Path file) {
        def head = ~/^\s*\d+\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+[0-9a-f]+\s+2\*\*(\d+)\s*$/
        List<ObjSection> out = []
        List<String> lines = GnuTools.run(['objdump', '-h', file.toString()]).readLines()
        for (int i = 0; i < lines.size(); i++) {
            def m = head.matcher(lines[i])
            if (m.matches()) {
                Set<String> flags = lines[i + 1].trim().split(/,\s*/) as Set
                out << new ObjSection(name: m.group(1), size: Long.parseLong(m.group(2), 16), vma: Long.parseUnsignedLong(m.group(3), 16),
                        align: 1L << (m.group(4) as int), flags: flags)
            }
        }
        assert !out.isEmpty(): "objdump -h printed no sections for $file"
        out
    }

    /** Relocation rows of `readelf -rW`: section name -> list of [offset, type]. */
    static Map<String, List<List>> readelfRelocations(Path file) {
        Map<String, List<List>> out = [:]
        String current = null
        def head = ~/^Relocation section '([^']+)'.*$/
        def row = ~/^([0-9a-f]+)\s+[0-9a-f]+\s+(R_\S+).*$/
        GnuTools.run(['readelf', '-rW', file.toString()]).eachLine { l ->
            def h = head.matcher(l)
            if (h.matches()) { current = h.group(1); out[current] = [] }
            def r = row.matcher(l)
            if (r.matches() && current != null) out[current] << [Long.parseLong(r.group(1), 16), r.group(2)]
        }
        out
    }

    /**
     * Links `obj` with GNU ld, each listed input section at the given address (a linker script
     * from the placement), and returns the linked file.
     */
    static Path linkAt(Path obj, Mode mode, Map<String, Long> placement, String tag, Map<String, Long> defsyms = [:]) {
        Path dir = Files.createTempDirectory('probesim-ld')
        def script = new StringBuilder('SECTIONS {\n')
        placement.each { name, addr -> script << "  ${name} 0x${Long.toHexString(addr)} : { *(${name}) }\n" }
        script << '}\n'
        Path ld = dir.resolve("${tag}.ld")
        Files.writeString(ld, script.toString())
        Path out = dir.resolve("${tag}.elf")
        List<String> cmd = ['ld', mode == Mode.BITS64 ? '-melf_x86_64' : '-melf_i386', '-e', '0', '-T', ld.toString(), '-o', out.toString()]
        defsyms.each { k, v -> cmd << "--defsym=${k}=0x${Long.toHexString(v)}".toString() }
        cmd << obj.toString()
        GnuTools.run(cmd, dir)
        out
    }

    /** One section's bytes of a linked file (objcopy -O binary). */
    static byte[] sectionBytes(Path linked, String section) {
        Path bin = Files.createTempFile('probesim-sec', '.bin')
        GnuTools.run(['objcopy', '-O', 'binary', "--only-section=${section}".toString(), linked.toString(), bin.toString()])
        Files.readAllBytes(bin)
    }

    /** Runs gcc with the arguments in a fresh directory; the output file is `name`. */
    static Path gcc(List<String> args, String name) {
        Path dir = Files.createTempDirectory('probesim-gcc')
        Path out = dir.resolve(name)
        List<String> cmd = ['gcc'] + args + ['-o', out.toString()]
        Process p
        try {
            p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start()
        } catch (IOException e) {
            throw new AssertionError("gcc is needed for this check and could not be started: ${e.message}. Install gcc; this test is never skipped.", e)
        }
        String text = p.inputStream.text
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError("gcc failed: ${cmd}\n${text}")
        out
    }

    /** Writes `source` to a temporary .c file. */
    static Path source(String name, String source) {
        Path dir = Files.createTempDirectory('probesim-src')
        Path f = dir.resolve(name)
        Files.writeString(f, source)
        f
    }

    /** Result of running a host program. */
    static class HostRun {
        int exit; byte[] stdout; byte[] stderr
        String text() { new String(stdout, 'UTF-8') }
    }

    /** Runs a program natively on the host (an x86-64 host with IA-32 support runs i386 binaries too). */
    static HostRun runNative(Path exe, List<String> args = [], Map<String, String> env = null) {
        String arch = System.getProperty('os.arch')
        if (!(arch in ['amd64', 'x86_64'])) throw new AssertionError("the host is '$arch': these checks need an x86-64 host (never skipped)")
        def pb = new ProcessBuilder([exe.toString()] + args)
        if (env != null) { pb.environment().clear(); pb.environment().putAll(env) }
        Path err = Files.createTempFile('probesim-err', '.txt')
        pb.redirectError(err.toFile())
        Process p = pb.start()
        byte[] out = p.inputStream.readAllBytes()
        if (!p.waitFor(120, TimeUnit.SECONDS)) { p.destroyForcibly(); throw new AssertionError("$exe did not finish") }
        new HostRun(exit: p.exitValue(), stdout: out, stderr: Files.readAllBytes(err))
    }
}
