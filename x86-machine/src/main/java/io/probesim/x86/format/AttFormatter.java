package io.probesim.x86.format;

import io.probesim.x86.decode.FlowKind;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Mnemonic;
import io.probesim.x86.decode.Operand;
import io.probesim.x86.decode.Prefixes;
import io.probesim.x86.decode.Regs;

import java.util.ArrayList;
import java.util.List;

/** AT&T syntax the way GNU objdump -d prints it (binutils 2.40), e.g. "mov    %rsp,%rbp". */
public final class AttFormatter {
    private AttFormatter() {}

    public static String format(Instruction i) {
        if (i.mnemonic() == Mnemonic.UNNAMED)
            return String.format("(unnamed %s%02x)", new String[] {"", "0f ", "0f38 ", "0f3a "}[i.map()], i.opcode());
        List<String> words = PrefixNames.of(i);
        words.add(name(i));
        String head = String.join(" ", words);
        String ops = operands(i);
        String text = ops.isEmpty() ? head : String.format("%-6s %s", head, ops);
        if (i.ripRelative()) text += "        # 0x" + Long.toHexString(ripTarget(i));
        return text;
    }

    static long ripTarget(Instruction i) {
        for (Operand o : i.operands())
            if (o instanceof Operand.Mem m && m.ripRelative()) {
                long t = i.next() + m.disp();
                return i.has(Prefixes.ADDRSIZE) ? t & 0xffffffffL : t;
            }
        return 0;
    }

    private static boolean is(Instruction i, int map, int opcode) { return i.map() == map && i.opcode() == opcode; }

    static String name(Instruction i) {
        Mnemonic m = i.mnemonic();
        boolean m64 = i.has(Prefixes.MODE64);
        if (m == Mnemonic.JECXZ) {
            boolean a = i.has(Prefixes.ADDRSIZE);
            return m64 ? (a ? "jecxz" : "jrcxz") : (a ? "jcxz" : "jecxz");
        }
        if (m == Mnemonic.MOV && i.map() == 0 && ((m64 && i.opcode() >= 0xa0 && i.opcode() <= 0xa3)
                || (i.opcode() >= 0xb8 && i.opcode() <= 0xbf && i.opSize() == 8)))
            return "movabs";
        String base = m.text(i.opSize());
        return base + suffix(i);
    }

    /** objdump's b/w/l/q suffix: only when no register tells the size and a memory operand is sized. */
    static String suffix(Instruction i) {
        if (i.mnemonic().noSuffix()) return "";
        int memSize = 0;
        Operand[] ops = i.operands();
        for (int k = 0; k < ops.length; k++) {
            Operand o = ops[k];
            if (o instanceof Operand.Reg r && !countIsNotSize(i, k, r)) return "";
            if (o instanceof Operand.Mem m) memSize = Math.max(memSize, m.size());
        }
        return switch (memSize) {
            case 1 -> "b";
            case 2 -> "w";
            case 4 -> "l";
            case 8 -> "q";
            default -> "";
        };
    }

    /** %cl as a shift count and %dx as a port do not tell the operand size. */
    private static boolean countIsNotSize(Instruction i, int k, Operand.Reg r) {
        boolean shift = i.map() == 0 && (i.opcode() == 0xd2 || i.opcode() == 0xd3);
        boolean port = i.map() == 0 && i.opcode() >= 0x6c && i.opcode() <= 0x6f;
        return (shift && k == 1) || (port && r.reg() == Regs.RDX && r.size() == 2)
                || (i.map() == 1 && (i.opcode() == 0xa5 || i.opcode() == 0xad) && k == 2);
    }

    static String operands(Instruction i) {
        Operand[] ops = i.operands();
        boolean m64 = i.has(Prefixes.MODE64);
        if (i.mnemonic() == Mnemonic.MONITOR) return (m64 ? "%rax" : "%eax") + ",%ecx,%edx";
        if (i.mnemonic() == Mnemonic.MWAIT) return "%eax,%ecx";
        List<String> out = new ArrayList<>();
        boolean star = i.flow() == FlowKind.CALL_INDIRECT || i.flow() == FlowKind.JMP_INDIRECT
                || (i.flow() == FlowKind.FAR && ops.length == 1 && ops[0] instanceof Operand.Mem);
        int n = ops.length;
        if (i.map() == 0 && (i.opcode() == 0xd0 || i.opcode() == 0xd1)) n--;   // the implicit count 1 is not printed
        for (int k = 0; k < n; k++) out.add((star ? "*" : "") + operand(i, ops[k]));
        if (i.mnemonic() != Mnemonic.ENTER && i.mnemonic() != Mnemonic.BOUND) java.util.Collections.reverse(out);
        return String.join(",", out);
    }

    static String operand(Instruction i, Operand o) {
        if (o instanceof Operand.Reg r) {
            String name = "%" + Regs.name(r.reg(), r.size(), r.highByte());
            boolean port = i.map() == 0 && ((i.opcode() >= 0xec && i.opcode() <= 0xef) || (i.opcode() >= 0x6c && i.opcode() <= 0x6f));
            return port && r.reg() == Regs.RDX && r.size() == 2 ? "(" + name + ")" : name;
        }
        if (o instanceof Operand.Imm imm) {
            if (imm.size() == 6) // far pointer selector:offset
                return "$0x" + Long.toHexString(imm.value() >>> 32) + ",$0x" + Long.toHexString(imm.value() & 0xffffffffL);
            return "$0x" + Long.toHexString(mask(imm.value(), imm.size()));
        }
        if (o instanceof Operand.Rel rel) return "0x" + Long.toHexString(rel.target());
        return MemoryText.of(i, (Operand.Mem) o);
    }

    static long mask(long v, int size) {
        return size >= 8 ? v : v & ((1L << (8 * size)) - 1);
    }
}
