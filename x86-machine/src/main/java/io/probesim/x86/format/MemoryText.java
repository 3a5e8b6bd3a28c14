package io.probesim.x86.format;

import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Operand;
import io.probesim.x86.decode.Prefixes;
import io.probesim.x86.decode.Regs;

/** AT&T text of a memory operand: %fs:-0x8(%rbp,%rax,4), 0x10(%rip), 0x1234, (%bx,%si). */
final class MemoryText {
    private MemoryText() {}

    private static final String[] SEG = {"es", "cs", "ss", "ds", "fs", "gs"};

    static String of(Instruction i, Operand.Mem m) {
        StringBuilder sb = new StringBuilder();
        if (m.segment() >= 0) sb.append('%').append(SEG[m.segment()]).append(':');
        boolean m64 = i.has(Prefixes.MODE64);
        boolean a = i.has(Prefixes.ADDRSIZE);
        int addrSize = m64 ? (a ? 4 : 8) : (a ? 2 : 4);
        boolean moffs = i.map() == 0 && i.opcode() >= 0xa0 && i.opcode() <= 0xa3;
        boolean string = i.modrm() < 0 && !moffs;
        if (string) {   // movs/stos/...: (%rsi) or (%rdi) with the explicit segment
            return sb.append('(').append('%').append(Regs.gpr(m.base(), addrSize, false)).append(')').toString();
        }
        if (m.ripRelative()) {
            return sb.append(disp(m.disp())).append(a ? "(%eip)" : "(%rip)").toString();
        }
        int mod = i.modrm() >> 6;
        boolean hasSib = !moffs && addrSize != 2 && (i.modrm() & 7) == 4;
        boolean riz = hasSib && m.index() < 0 && (m.scale() != 1 || (m.base() >= 0 && (m.base() & 7) != 4));
        if (m.base() < 0 && m.index() < 0 && !riz) {
            long d = moffs ? m.disp() : AttFormatter.mask(m.disp(), m64 && !a ? 8 : addrSize);
            return sb.append("0x").append(Long.toHexString(d)).toString();
        }
        if (mod != 0 || m.base() < 0) sb.append(disp(m.disp()));
        sb.append('(');
        if (m.base() >= 0) sb.append('%').append(Regs.gpr(m.base(), addrSize, false));
        if (m.index() >= 0 || riz) {
            String idx = m.indexSize() > 0 ? Regs.name(m.index(), m.indexSize(), false)    // VSIB: a vector index
                    : m.index() >= 0 ? Regs.gpr(m.index(), addrSize, false) : addrSize == 8 ? "riz" : "eiz";
            sb.append(",%").append(idx);
            if (addrSize != 2) sb.append(',').append(m.scale());
        }
        return sb.append(')').toString();
    }

    static String disp(long d) {
        return d < 0 ? "-0x" + Long.toHexString(-d) : "0x" + Long.toHexString(d);
    }
}
