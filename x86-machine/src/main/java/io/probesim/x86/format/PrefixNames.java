package io.probesim.x86.format;

import io.probesim.x86.decode.FlowKind;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Mnemonic;
import io.probesim.x86.decode.Operand;
import io.probesim.x86.decode.Prefixes;

import java.util.ArrayList;
import java.util.List;

/** The prefixes objdump prints by name before the mnemonic: lock, rep, repz, bnd, notrack, data16, cs, rex.W ... */
final class PrefixNames {
    private PrefixNames() {}

    static List<String> of(Instruction i) {
        List<String> out = new ArrayList<>();
        byte[] b = i.bytes();
        boolean m64 = i.has(Prefixes.MODE64);
        boolean hasMem = false;
        for (Operand o : i.operands()) hasMem |= o instanceof Operand.Mem;
        boolean string = i.map() == 0 && (i.opcode() >= 0xa4 && i.opcode() <= 0xa7 || i.opcode() >= 0xaa && i.opcode() <= 0xaf
                || i.opcode() >= 0x6c && i.opcode() <= 0x6f);
        boolean cmpScan = string && (i.opcode() == 0xa6 || i.opcode() == 0xa7 || i.opcode() >= 0xae);
        boolean branch = i.flow() == FlowKind.JMP || i.flow() == FlowKind.CALL || i.flow() == FlowKind.RET
                || i.flow() == FlowKind.JMP_INDIRECT || i.flow() == FlowKind.CALL_INDIRECT
                || i.flow() == FlowKind.JCC && i.mnemonic() != Mnemonic.JECXZ && i.mnemonic() != Mnemonic.XBEGIN;
        int last66 = -1, lastRep = -1;
        int n = 0;
        while (n < b.length && isLegacy(b[n] & 0xff)) {
            if ((b[n] & 0xff) == 0x66) last66 = n;
            if ((b[n] & 0xff) == 0xf2 || (b[n] & 0xff) == 0xf3) lastRep = n;
            n++;
        }
        for (int k = 0; k < n; k++) {
            int p = b[k] & 0xff;
            switch (p) {
                case 0xf0 -> out.add("lock");
                case 0xf3, 0xf2 -> {
                    if (k == lastRep && i.has(Prefixes.MANDATORY_REP)) break;
                    String hle = k == lastRep ? hle(i, p, b) : null;
                    if (hle != null) out.add(hle);
                    else if (p == 0xf2 && branch) out.add("bnd");
                    else if (p == 0xf3) out.add(string && !cmpScan ? "rep" : "repz");
                    else out.add("repnz");
                }
                case 0x66 -> {
                    boolean used = k == last66 && (i.has(Prefixes.OPSIZE_USED)
                            || i.has(Prefixes.MANDATORY) && !i.has(Prefixes.MANDATORY_REP));
                    if (!used) out.add("data16");
                }
                case 0x67 -> {
                    boolean moffs = i.map() == 0 && i.vex() == io.probesim.x86.decode.Vex.NONE && i.opcode() >= 0xa0 && i.opcode() <= 0xa3;
                    boolean used = hasMem && !moffs || i.mnemonic() == Mnemonic.JECXZ || i.mnemonic() == Mnemonic.LOOP
                            || i.mnemonic() == Mnemonic.LOOPE || i.mnemonic() == Mnemonic.LOOPNE;
                    if (!used) out.add(m64 ? "addr32" : "addr16");
                }
                default -> {
                    int seg = switch (p) { case 0x26 -> 0; case 0x2e -> 1; case 0x36 -> 2; case 0x3e -> 3; case 0x64 -> 4; default -> 5; };
                    boolean inOperand = false;
                    for (Operand o : i.operands())
                        if (o instanceof Operand.Mem m && m.segment() == seg) inOperand = true;
                    if (inOperand) break;
                    if (p == 0x3e && (i.flow() == FlowKind.JMP_INDIRECT || i.flow() == FlowKind.CALL_INDIRECT)) out.add("notrack");
                    else out.add(new String[] {"es", "cs", "ss", "ds", "fs", "gs"}[seg]);
                }
            }
        }
        if (i.has(Prefixes.REX_UNUSED)) {
            int rex = b[n] & 0xff;
            StringBuilder s = new StringBuilder("rex");
            if ((rex & 0xf) != 0) s.append('.');
            if ((rex & 8) != 0) s.append('W');
            if ((rex & 4) != 0) s.append('R');
            if ((rex & 2) != 0) s.append('X');
            if ((rex & 1) != 0) s.append('B');
            out.add(s.toString());
        }
        return out;
    }

    /**
     * Hardware lock elision names: F2/F3 on xchg with memory, on a locked read-modify-write, and F3 on a plain store
     * (mov to memory) are xacquire/xrelease.
     */
    static String hle(Instruction i, int p, byte[] b) {
        if (i.vex() != io.probesim.x86.decode.Vex.NONE || i.operands().length == 0 || !(i.operands()[0] instanceof Operand.Mem))
            return null;
        boolean locked = false;
        for (byte x : b) if ((x & 0xff) == 0xf0) locked = true;
        Mnemonic m = i.mnemonic();
        boolean xchg = m == Mnemonic.XCHG;
        boolean store = m == Mnemonic.MOV && i.map() == 0 && (i.opcode() == 0x88 || i.opcode() == 0x89 || i.opcode() == 0xc6 || i.opcode() == 0xc7);
        if (xchg || locked && LOCKABLE.contains(m)) return p == 0xf2 ? "xacquire" : "xrelease";
        if (store && p == 0xf3) return "xrelease";
        return null;
    }

    private static final java.util.Set<Mnemonic> LOCKABLE = java.util.EnumSet.of(Mnemonic.ADD, Mnemonic.ADC, Mnemonic.AND,
            Mnemonic.BTC, Mnemonic.BTR, Mnemonic.BTS, Mnemonic.CMPXCHG, Mnemonic.CMPXCHG8B, Mnemonic.CMPXCHG16B, Mnemonic.DEC,
            Mnemonic.INC, Mnemonic.NEG, Mnemonic.NOT, Mnemonic.OR, Mnemonic.SBB, Mnemonic.SUB, Mnemonic.XOR, Mnemonic.XADD,
            Mnemonic.XCHG);

    static boolean isLegacy(int p) {
        return p == 0xf0 || p == 0xf2 || p == 0xf3 || p == 0x66 || p == 0x67 || p == 0x26 || p == 0x2e || p == 0x36
                || p == 0x3e || p == 0x64 || p == 0x65;
    }
}
