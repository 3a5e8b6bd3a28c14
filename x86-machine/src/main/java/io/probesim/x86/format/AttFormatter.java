package io.probesim.x86.format;

import io.probesim.x86.decode.FlowKind;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Mnemonic;
import io.probesim.x86.decode.Operand;
import io.probesim.x86.decode.Prefixes;
import io.probesim.x86.decode.Regs;
import io.probesim.x86.decode.Vex;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** AT&T syntax the way GNU objdump -d prints it (binutils 2.40), e.g. "mov    %rsp,%rbp". */
public final class AttFormatter {
    private AttFormatter() {}

    public static String format(Instruction i) {
        List<String> words = PrefixNames.of(i);
        if (i.has(Prefixes.EVEX_MARKED)) words.add("{evex}");
        if (i.has(Prefixes.VEX_MARKED)) words.add("{vex}");
        Naming n = Naming.of(i);
        words.add(n.name());
        String head = String.join(" ", words);
        String ops = operands(i, n.dropImmediate());
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

    static String operands(Instruction i, boolean dropImmediate) {
        Operand[] ops = i.operands();
        boolean m64 = i.has(Prefixes.MODE64);
        boolean a32 = m64 ? i.has(Prefixes.ADDRSIZE) : !i.has(Prefixes.ADDRSIZE);
        if (i.mnemonic() == Mnemonic.MONITOR || i.mnemonic() == Mnemonic.MONITORX)
            return (m64 && !a32 ? "%rax" : a32 ? "%eax" : "%ax") + ",%ecx,%edx";
        if (i.mnemonic() == Mnemonic.MWAIT) return "%eax,%ecx";
        if (i.mnemonic() == Mnemonic.MWAITX) return "%eax,%ecx,%ebx";
        List<String> out = new ArrayList<>();
        boolean star = i.flow() == FlowKind.CALL_INDIRECT || i.flow() == FlowKind.JMP_INDIRECT
                || (i.flow() == FlowKind.FAR && ops.length == 1 && ops[0] instanceof Operand.Mem);
        int n = ops.length;
        if (i.map() == 0 && (i.opcode() == 0xd0 || i.opcode() == 0xd1) && i.vex() == Vex.NONE) n--;   // implicit count 1
        if (dropImmediate) n--;                                     // folded into the name (cmpltps, pclmullqlqdq ...)
        Vex v = i.vex();
        for (int k = 0; k < n; k++) {
            String s = (star ? "*" : "") + operand(i, ops[k]);
            if (ops[k] instanceof Operand.Mem && v.broadcast() != 0) s += "{1to" + v.broadcast() + "}";
            if (k == 0 && v.mask() != 0) s += "{%k" + v.mask() + "}" + (v.zeroing() ? "{z}" : "");
            out.add(s);
        }
        if (v.rounding() >= 0) out.add(roundingAt(i, out.size()), ROUNDING[v.rounding()]);
        if (i.mnemonic() != Mnemonic.ENTER && i.mnemonic() != Mnemonic.BOUND) Collections.reverse(out);
        return String.join(",", out);
    }

    private static final String[] ROUNDING = {"{rn-sae}", "{rd-sae}", "{ru-sae}", "{rz-sae}", "{sae}"};

    /**
     * Where the rounding pseudo-operand goes in Intel order: after the last register or memory operand, before the
     * immediates; for the integer-to-float conversions, before the integer source.
     */
    private static int roundingAt(Instruction i, int printed) {
        Operand[] ops = i.operands();
        int at = Math.min(printed, ops.length);
        while (at > 0 && ops[at - 1] instanceof Operand.Imm) at--;
        if (Naming.ROUNDING_BEFORE_SOURCE.contains(i.mnemonic())) at--;
        return at;
    }

    static String operand(Instruction i, Operand o) {
        if (o instanceof Operand.Reg r) {
            String name = "%" + Regs.name(r.reg(), r.size(), r.highByte());
            boolean port = i.map() == 0 && i.vex() == Vex.NONE
                    && ((i.opcode() >= 0xec && i.opcode() <= 0xef) || (i.opcode() >= 0x6c && i.opcode() <= 0x6f));
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
