package io.probesim.x86.cpu

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * Runs instructions on the HOST CPU: generates a C program with one inline-asm function per
 * instruction variant (popf the input flags, execute, pushf the output flags), compiles it with
 * gcc into a temporary directory, feeds it cases on stdin and parses its answers.
 * Fails loudly when gcc is missing or the host is not x86-64 (the project forbids silent skips).
 */
class HostOracle {

    /** One instruction form: the AT&T text gcc assembles for the host and the bytes we execute. */
    static class Variant {
        int id
        String name          // e.g. "addq", "shlb $3", "sarw %cl"
        int size             // bytes
        String kind          // bin, un, shift1, shiftcl, shiftimm
        int imm              // for shiftimm
        byte[] bytes         // our encoding: dest rax/eax/ax/al, source rbx/ebx/bx/bl, count cl
        String asmText       // the host instruction
        String toString() { name }
    }

    /** One case: inputs and the host's outputs. */
    static class Case {
        Variant v
        long x, b, flagsIn
        long hostX, hostFlags
    }

    static void requireHost() {
        String arch = System.getProperty('os.arch')
        if (!(arch in ['amd64', 'x86_64'])) {
            throw new AssertionError("the host-CPU oracle needs an x86-64 host, this one is '$arch' (the project forbids skipping this test)")
        }
    }

    static Path compile(String csource) {
        requireHost()
        Path dir = Files.createTempDirectory('probesim-host-oracle')
        Path src = dir.resolve('oracle.c')
        Path exe = dir.resolve('oracle')
        Files.writeString(src, csource)
        Process p
        try {
            p = new ProcessBuilder('gcc', '-O1', '-mno-red-zone', '-o', exe.toString(), src.toString())
                    .redirectErrorStream(true).start()
        } catch (IOException e) {
            throw new AssertionError("gcc is needed to check the interpreter against the host CPU and could not be started: ${e.message}. " +
                    "Install gcc (e.g. apt-get install gcc); this test is never skipped.", e)
        }
        String out = p.inputStream.text
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("gcc failed to build the host oracle:\n$out")
        }
        exe
    }

    /**
     * Feeds `input` (one case per line) to a host harness built by gcc and returns its output,
     * one line per case; a crash, a time-out or a missing line fails the spec.
     */
    static List<String> answer(Path exe, String input, int cases) {
        Path file = exe.resolveSibling('cases.txt')
        Files.writeString(file, input)
        Process p = new ProcessBuilder(exe.toString()).redirectInput(file.toFile()).redirectErrorStream(true).start()
        List<String> lines = p.inputStream.readLines()
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("host oracle failed (exit ${p.exitValue()}): ${lines.takeRight(3)}")
        }
        assert lines.size() == cases: "host oracle answered ${lines.size()} lines for ${cases} cases"
        lines
    }

    /** Runs the program with one "id x b flags" line per case; fills hostX and hostFlags. */
    static void run(Path exe, List<Case> cases) {
        def sb = new StringBuilder()
        cases.each { c -> sb << "${c.v.id} ${Long.toHexString(c.x)} ${Long.toHexString(c.b)} ${Long.toHexString(c.flagsIn)}\n" }
        List<String> lines = answer(exe, sb.toString(), cases.size())
        lines.eachWithIndex { String line, int i ->
            def parts = line.trim().split(' ')
            cases[i].hostX = Long.parseUnsignedLong(parts[0], 16)
            cases[i].hostFlags = Long.parseUnsignedLong(parts[1], 16)
        }
    }

    static String cProgram(List<Variant> variants) {
        def sb = new StringBuilder()
        sb << '''#include <stdio.h>
#include <stdint.h>
#include <inttypes.h>
'''
        variants.each { v ->
            String io
            switch (v.kind) {
                case 'shiftcl': io = ': [x] "+q" (x), [f] "+r" (f) : "c" (b) : "cc"'; break
                default: io = ': [x] "+q" (x), [f] "+r" (f) : [b] "q" (b) : "cc"'
            }
            sb << "static void v${v.id}(uint64_t *px, uint64_t b, uint64_t *pf) {\n"
            sb << "    uint64_t x = *px, f = *pf;\n"
            sb << "    __asm__ volatile(\"push %[f]\\n\\tpopfq\\n\\t${v.asmText}\\n\\tpushfq\\n\\tpop %[f]\" ${io});\n"
            sb << "    *px = x; *pf = f;\n}\n"
        }
        sb << '''int main(void) {
    int id; uint64_t x, b, f;
    while (scanf("%d %" SCNx64 " %" SCNx64 " %" SCNx64, &id, &x, &b, &f) == 4) {
        switch (id) {
'''
        variants.each { v -> sb << "        case ${v.id}: v${v.id}(&x, b, &f); break;\n" }
        sb << '''        default: return 2;
        }
        printf("%" PRIx64 " %" PRIx64 "\\n", x, f);
    }
    return 0;
}
'''
        sb.toString()
    }

    // ------------------------------------------------------------------ variants and our encodings

    static final Map<String, Integer> BIN_OPCODE = [add: 0x00, or: 0x08, adc: 0x10, sbb: 0x18, and: 0x20, sub: 0x28,
                                                    xor: 0x30, cmp: 0x38, test: 0x84]
    static final Map<String, List<Integer>> UN = [inc: [0xfe, 0], dec: [0xfe, 1], not: [0xf6, 2], neg: [0xf6, 3]]
    static final Map<String, Integer> SHIFT_EXT = [shl: 4, shr: 5, sar: 7]
    static final Map<Integer, String> SUFFIX = [1: 'b', 2: 'w', 4: 'l', 8: 'q']
    static final Map<Integer, String> MOD = [1: 'b', 2: 'w', 4: 'k', 8: 'q']     // gcc operand modifiers

    static List<Variant> variants() {
        List<Variant> out = []
        int id = 0
        [1, 2, 4, 8].each { int size ->
            String sfx = SUFFIX[size], m = MOD[size]
            BIN_OPCODE.each { op, base ->
                int opc = base + (size == 1 ? 0 : 1)
                out << new Variant(id: id++, name: "$op$sfx", size: size, kind: 'bin',
                        bytes: encode(size, [opc, 0xd8]),                                  // op %bl/%bx/%ebx/%rbx, %al/...
                        asmText: "$op$sfx %${m}[b], %${m}[x]")
            }
            UN.each { op, enc ->
                int opc = enc[0] + (size == 1 ? 0 : 1)
                out << new Variant(id: id++, name: "$op$sfx", size: size, kind: 'un',
                        bytes: encode(size, [opc, 0xc0 | (enc[1] << 3)]), asmText: "$op$sfx %${m}[x]")
            }
            SHIFT_EXT.each { op, ext ->
                int w = size == 1 ? 0 : 1
                out << new Variant(id: id++, name: "$op$sfx \$1", size: size, kind: 'shift1',
                        bytes: encode(size, [0xd0 + w, 0xc0 | (ext << 3)]), asmText: "$op$sfx %${m}[x]")
                out << new Variant(id: id++, name: "$op$sfx %cl", size: size, kind: 'shiftcl',
                        bytes: encode(size, [0xd2 + w, 0xc0 | (ext << 3)]), asmText: "$op$sfx %%cl, %${m}[x]")
                [0, 3, 9, 31, 63].each { int k ->
                    out << new Variant(id: id++, name: "$op$sfx \$$k", size: size, kind: 'shiftimm', imm: k,
                            bytes: encode(size, [0xc0 + w, 0xc0 | (ext << 3), k]), asmText: "$op$sfx \$$k, %${m}[x]")
                }
            }
        }
        out
    }

    static byte[] encode(int size, List<Integer> body) {
        List<Integer> b = []
        if (size == 2) b << 0x66
        if (size == 8) b << 0x48
        b.addAll(body)
        b.collect { (byte) it } as byte[]
    }

    /** Flags the SDM leaves undefined for this case (masked out of the comparison). */
    static long undefinedFlags(Variant v, long b) {
        long AF = Flags.AF, OF = Flags.OF, CF = Flags.CF
        switch (v.kind) {
            case 'bin':
                return v.name.startsWith('and') || v.name.startsWith('or') || v.name.startsWith('xor') || v.name.startsWith('test') ? AF : 0
            case 'un':
                return 0
            default:
                int count = v.kind == 'shift1' ? 1 : v.kind == 'shiftimm' ? v.imm : (int) (b & 0xff)
                count &= v.size == 8 ? 63 : 31
                if (count == 0) return 0
                long u = AF
                if (count > 1) u |= OF
                if (count >= v.size * 8 && !v.name.startsWith('sar')) u |= CF
                return u
        }
    }
}
