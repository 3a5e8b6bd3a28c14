package io.probesim.x86.cpu

import groovy.transform.CompileStatic
import io.probesim.x86.mem.Memory

import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/**
 * A wider host-CPU harness than {@link HostOracle}: each variant is a short AT&T snippet that works
 * on rax rbx rcx rdx rsi rdi, the flags, and a 512-byte buffer whose middle (offset 256) %r8 points
 * at. rsi and rdi travel as offsets into the buffer (string instructions), so host and simulator
 * see the same values although the buffer lives at different addresses. The buffer is filled from
 * a per-case seed by the same xorshift generator here (Java) and in the C program; the 8 bytes at
 * offset 256 are then set to the case's m0. The host answers with the six registers, the flags
 * (with DF) and every 8-byte word of the buffer that changed.
 *
 * The snippet bytes we execute are GNU as's encoding of the same text (one assembly of all
 * variants, each 64-byte aligned, with a table of lengths computed by as from labels).
 */
class MoreOracle {
    static final int BUF = 512
    static final int MID = 256

    static class Variant {
        int id
        String group         // report group, e.g. "bt*"
        String name          // e.g. "btsq %rbx,(%r8)"
        String asm           // AT&T text (one or more lines, may use local labels 1: / 1f)
        int size             // operand size in bytes
        String gen           // operand generator: alu, count, div, idiv, string, loop, none
        boolean mem          // a (%r8) operand
        byte[] bytes         // as's encoding of the snippet
        String toString() { name }
    }

    static class Case {
        Variant v
        long[] inRegs = new long[6]       // rax rbx rcx rdx rsi-offset rdi-offset
        long flagsIn, seed, m0
        int k                             // buffer alphabet (0: random bytes; n: bytes mod n; 1: zeros plus one 1)
        long[] hostRegs = new long[6]
        long hostFlags
        Map<Integer, Long> hostWords = [:]   // word index -> value, changed words only
    }

    /** The buffer of a case, as the C program fills it. */
    @CompileStatic
    static byte[] fill(long seed, int k, long m0) {
        byte[] b = new byte[BUF]
        long s = seed | 1
        for (int i = 0; i < BUF; i++) {
            s ^= s << 13; s ^= s >>> 7; s ^= s << 17
            int x = (int) ((s >>> 24) & 0xff)
            if (k > 0) x = x % k
            b[i] = (byte) x
        }
        if (k == 1) b[(int) ((seed >>> 8) % BUF)] = 1
        for (int i = 0; i < 8; i++) b[MID + i] = (byte) (m0 >>> (8 * i))
        b
    }

    /**
     * Runs one case on our CPU (code of variant i at code + 64 i, the buffer at data) until rip leaves
     * the snippet's end; returns the differences from the host (empty when equal).
     */
    @CompileStatic
    static List<String> compare(Cpu cpu, Memory mem, long code, long data, Case c, long comparedFlags) {
        Variant v = c.v
        byte[] buf = fill(c.seed, c.k, c.m0)
        long[] orig = new long[BUF.intdiv(8) as int]
        for (int w = 0; w < orig.length; w++) {
            long x = 0
            for (int j = 7; j >= 0; j--) x = (x << 8) | (buf[8 * w + j] & 0xffL)
            orig[w] = x
            mem.store(data + 8 * w, 8, x)
        }
        int[] regs = [Cpu.RAX, Cpu.RBX, Cpu.RCX, Cpu.RDX, Cpu.RSI, Cpu.RDI] as int[]
        for (int j = 0; j < 4; j++) cpu.gpr[regs[j]] = c.inRegs[j]
        cpu.gpr[Cpu.RSI] = data + c.inRegs[4]
        cpu.gpr[Cpu.RDI] = data + c.inRegs[5]
        cpu.gpr[8] = data + MID
        cpu.rflags = c.flagsIn
        long start = code + 64L * v.id, end = start + v.bytes.length
        cpu.rip = start
        int r = Step.OK, steps = 0
        while (cpu.rip != end && r == Step.OK && steps < 10000) { r = cpu.step(); steps++ }
        List<String> diffs = []
        if (r != Step.OK) diffs << ('step ' + Step.name(r))
        if (cpu.rip != end) diffs << String.format('rip %x not at end %x', cpu.rip, end)
        String[] names = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi'] as String[]
        for (int j = 0; j < 6; j++) {
            long ours = cpu.gpr[regs[j]] - (j >= 4 ? data : 0L)
            if (ours != c.hostRegs[j]) diffs << String.format('%s %x host %x', names[j], ours, c.hostRegs[j])
        }
        long of = cpu.rflags & comparedFlags, hf = c.hostFlags & comparedFlags
        if (of != hf) diffs << String.format('flags %x host %x (differ %x)', of, hf, of ^ hf)
        for (int w = 0; w < orig.length; w++) {
            long now = mem.load(data + 8 * w, 8)
            Long h = c.hostWords.get(w)
            long host = h != null ? h.longValue() : orig[w]
            if (now != host) diffs << String.format('word %d %x host %x', w, now, host)
        }
        diffs
    }

    static String cProgram(List<Variant> variants) {
        def sb = new StringBuilder()
        sb << '''#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <inttypes.h>
static uint8_t buf[512], orig[512];
static void fill(uint64_t seed, int k, uint64_t m0) {
    uint64_t s = seed | 1;
    for (int i = 0; i < 512; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        int x = (int) ((s >> 24) & 0xff);
        if (k > 0) x = x % k;
        buf[i] = (uint8_t) x;
    }
    if (k == 1) buf[(seed >> 8) % 512] = 1;
    memcpy(buf + 256, &m0, 8);
}
'''
        variants.each { v ->
            String text = v.asm.replace('%', '%%').split('\n').collect { it.trim() }.findAll { it }.join('\\n\\t')
            sb << "static void v${v.id}(uint64_t *r, uint64_t *pf) {\n"
            sb << "    uint64_t a = r[0], b = r[1], c = r[2], d = r[3], si = r[4] + (uint64_t) buf, di = r[5] + (uint64_t) buf, f = *pf;\n"
            sb << "    register uint64_t m __asm__(\"r8\") = (uint64_t) (buf + 256);\n"
            sb << "    __asm__ volatile(\"push %[f]\\n\\tpopfq\\n\\t${text}\\n\\tpushfq\\n\\tpop %[f]\\n\\tcld\"\n"
            sb << "        : \"+a\" (a), \"+b\" (b), \"+c\" (c), \"+d\" (d), \"+S\" (si), \"+D\" (di), [f] \"+r\" (f) : \"r\" (m) : \"cc\", \"memory\");\n"
            sb << "    r[0] = a; r[1] = b; r[2] = c; r[3] = d; r[4] = si - (uint64_t) buf; r[5] = di - (uint64_t) buf; *pf = f;\n}\n"
        }
        sb << '''int main(void) {
    int id, k; uint64_t r[6], f, seed, m0;
    while (scanf("%d %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 " %d %" SCNx64,
                 &id, &r[0], &r[1], &r[2], &r[3], &r[4], &r[5], &f, &seed, &k, &m0) == 11) {
        fill(seed, k, m0);
        memcpy(orig, buf, 512);
        switch (id) {
'''
        variants.each { v -> sb << "        case ${v.id}: v${v.id}(r, &f); break;\n" }
        sb << '''        default: return 2;
        }
        printf("%" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64 " %" PRIx64, r[0], r[1], r[2], r[3], r[4], r[5], f);
        for (int w = 0; w < 64; w++) {
            if (memcmp(buf + 8 * w, orig + 8 * w, 8) != 0) {
                uint64_t x; memcpy(&x, buf + 8 * w, 8);
                printf(" %d:%" PRIx64, w, x);
            }
        }
        printf("\\n");
    }
    return 0;
}
'''
        sb.toString()
    }

    /** Assembles every variant with GNU as: 64-byte slots and a length table after them. */
    static void assemble(List<Variant> variants) {
        def sb = new StringBuilder()
        variants.each { v ->
            sb << ".balign 64, 0x90\nv${v.id}:\n${v.asm}\nv${v.id}e:\n"
        }
        sb << ".balign 64, 0x90\nlengths:\n"
        variants.each { v -> sb << ".byte v${v.id}e - v${v.id}\n" }
        byte[] all = GnuAs.assemble(sb.toString())
        int table = variants.size() * 64
        variants.eachWithIndex { v, i ->
            int len = all[table + i] & 0xff
            assert len > 0 && len <= 64 : "variant $v does not fit its slot"
            v.bytes = Arrays.copyOfRange(all, i * 64, i * 64 + len)
        }
    }

    static void run(Path exe, List<Case> cases) {
        def sb = new StringBuilder()
        cases.each { c ->
            sb << c.v.id
            c.inRegs.each { sb << ' ' << Long.toHexString(it) }
            sb << ' ' << Long.toHexString(c.flagsIn) << ' ' << Long.toHexString(c.seed) << ' ' << c.k << ' ' << Long.toHexString(c.m0) << '\n'
        }
        List<String> lines = HostOracle.answer(exe, sb.toString(), cases.size())
        lines.eachWithIndex { String line, int i ->
            String[] parts = line.trim().split(' ')
            Case c = cases[i]
            for (int j = 0; j < 6; j++) c.hostRegs[j] = Long.parseUnsignedLong(parts[j], 16)
            c.hostFlags = Long.parseUnsignedLong(parts[6], 16)
            for (int j = 7; j < parts.length; j++) {
                String[] kv = parts[j].split(':')
                c.hostWords[Integer.parseInt(kv[0])] = Long.parseUnsignedLong(kv[1], 16)
            }
        }
    }

    static Path compile(List<Variant> variants) {
        HostOracle.compile(cProgram(variants))
    }
}
