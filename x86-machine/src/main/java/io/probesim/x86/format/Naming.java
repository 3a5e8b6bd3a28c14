package io.probesim.x86.format;

import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Mnemonic;
import io.probesim.x86.decode.Operand;
import io.probesim.x86.decode.Prefixes;
import io.probesim.x86.decode.Regs;
import io.probesim.x86.decode.Vex;

import java.util.EnumSet;
import java.util.Set;

import static io.probesim.x86.decode.Mnemonic.*;

/**
 * The name objdump prints: the mnemonic's spelling, its AT&T size suffix, and the aliases that fold an immediate
 * into the name (cmpltps, vpcmpnequb, pclmulhqlqdq, vpcomtrueb). dropImmediate: the last operand is then not printed.
 */
record Naming(String name, boolean dropImmediate) {

    /** Integer-to-float conversions: the suffix names the integer's size in memory; {er} sits before the source. */
    static final Set<Mnemonic> ROUNDING_BEFORE_SOURCE = EnumSet.of(CVTSI2SS, CVTSI2SD, VCVTSI2SS, VCVTSI2SD,
            VCVTUSI2SS, VCVTUSI2SD, VCVTSI2SH, VCVTUSI2SH);

    /** Packed conversions to a narrower result, and classifications into a mask: x/y/z tells a memory source's width. */
    static final Set<Mnemonic> XY_SUFFIX = EnumSet.of(VCVTPD2DQ, VCVTTPD2DQ, VCVTPD2PS, VCVTNEPS2BF16, VCVTQQ2PS,
            VCVTUQQ2PS, VCVTPD2UDQ, VCVTTPD2UDQ, VCVTDQ2PH, VCVTUDQ2PH, VCVTQQ2PH, VCVTUQQ2PH, VCVTPD2PH,
            VFPCLASSPS, VFPCLASSPD, VFPCLASSPH, VCVTPS2PHX);
    /** ... of which these spell the 512-bit memory form too (z) */
    static final Set<Mnemonic> XYZ_SUFFIX = EnumSet.of(VFPCLASSPS, VFPCLASSPD, VFPCLASSPH, VCVTQQ2PH, VCVTPD2PH, VCVTUQQ2PH);

    /** Descriptor-table loads and stores: in 32-bit mode the operand size (24- or 32-bit base) is spelled out. */
    static final Set<Mnemonic> DESCRIPTOR = EnumSet.of(SGDT, SIDT, LGDT, LIDT);

    /** Stack operations that objdump spells with 'w' at 16-bit operand size unless a general register says so. */
    static final Set<Mnemonic> STACK_W = EnumSet.of(PUSH, POP, ENTER);

    static boolean namesGpr(Instruction i) {
        for (Operand o : i.operands()) if (o instanceof Operand.Reg r && Regs.isGpr(r.reg())) return true;
        return false;
    }

    /** x87 memory forms: the suffix comes from the operand's size and whether it is an integer. */
    static final Set<Mnemonic> X87_INTEGER = EnumSet.of(FIADD, FIMUL, FICOM, FICOMP, FISUB, FISUBR, FIDIV, FIDIVR,
            FILD, FIST, FISTP, FISTTP);

    private static final String[] CMP8 = {"eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord"};
    private static final String[] CMP32 = {"eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord", "eq_uq", "nge",
            "ngt", "false", "neq_oq", "ge", "gt", "true", "eq_os", "lt_oq", "le_oq", "unord_s", "neq_us", "nlt_uq",
            "nle_uq", "ord_s", "eq_us", "nge_uq", "ngt_uq", "false_os", "neq_os", "ge_oq", "gt_oq", "true_us"};
    private static final String[] VPCMP = {"eq", "lt", "le", null, "neq", "nlt", "nle", null};
    private static final String[] VPCOM = {"lt", "le", "gt", "ge", "eq", "neq", "false", "true"};

    static Naming of(Instruction i) {
        Mnemonic m = i.mnemonic();
        boolean m64 = i.has(Prefixes.MODE64);
        if (m == JECXZ) {
            boolean a = i.has(Prefixes.ADDRSIZE);
            return new Naming(m64 ? (a ? "jecxz" : "jrcxz") : (a ? "jcxz" : "jecxz"), false);
        }
        if ((m == LOOP || m == LOOPE || m == LOOPNE) && i.has(Prefixes.ADDRSIZE))   // the counter is ecx (cx)
            return new Naming(m.text() + (m64 ? "l" : "w"), false);
        if (m == MOV && i.map() == 0 && i.vex() == Vex.NONE && ((m64 && !i.has(Prefixes.ADDRSIZE) && i.opcode() >= 0xa0 && i.opcode() <= 0xa3)
                || (i.opcode() >= 0xb8 && i.opcode() <= 0xbf && i.opSize() == 8)))
            return new Naming("movabs", false);
        Naming alias = predicateAlias(i);
        if (alias != null) return alias;
        if (isX87(i)) return new Naming(x87Name(i), false);
        if (STACK_W.contains(m) && i.opSize() == 2 && !namesGpr(i)) return new Naming(m.text() + "w", false);
        if ((m == CALL || m == JMP) && namesGpr(i)) return new Naming(m.text(4), false);
        if ((m == SYSRET || m == SYSEXIT) && !m64) return new Naming(m.text(), false);
        if (DESCRIPTOR.contains(m) && !m64) return new Naming(m.text() + (i.has(Prefixes.OPSIZE_USED) ? "w" : "l"), false);
        if ((m == LCALL || m == LJMP) && i.has(Prefixes.OPSIZE_USED)) return new Naming(m.text() + "w", false);
        return new Naming(m.text(i.opSize()) + suffix(i), false);
    }

    static boolean isX87(Instruction i) {
        return i.vex() == Vex.NONE && i.map() == 0 && i.opcode() >= 0xd8 && i.opcode() <= 0xdf;
    }

    /** An immediate that selects a predicate or a lane is folded into the name where objdump has a name for it. */
    static Naming predicateAlias(Instruction i) {
        Operand[] ops = i.operands();
        if (ops.length == 0 || !(ops[ops.length - 1] instanceof Operand.Imm imm)) return null;
        int v = (int) (imm.value() & 0xff);
        String n = i.mnemonic().text();
        switch (i.mnemonic()) {
            case CMPPS, CMPPD, CMPSS, CMPSD:
                return v < 8 ? new Naming("cmp" + CMP8[v] + n.substring(3), true) : null;
            case VCMPPS, VCMPPD, VCMPSS, VCMPSD, VCMPPH, VCMPSH:
                return v < 32 ? new Naming("vcmp" + CMP32[v] + n.substring(4), true) : null;
            case VPCMPB, VPCMPW, VPCMPD, VPCMPQ, VPCMPUB, VPCMPUW, VPCMPUD, VPCMPUQ:
                return v < 8 && VPCMP[v] != null ? new Naming("vpcmp" + VPCMP[v] + n.substring(5), true) : null;
            case VPCOMB, VPCOMW, VPCOMD, VPCOMQ, VPCOMUB, VPCOMUW, VPCOMUD, VPCOMUQ:
                return v < 8 ? new Naming("vpcom" + VPCOM[v] + n.substring(5), true) : null;
            case PCLMULQDQ, VPCLMULQDQ: {
                if ((v & 0xee) != 0) return null;
                String p = n.substring(0, n.length() - 6);   // "pclmul" / "vpclmul"
                return new Naming(p + ((v & 1) != 0 ? "hq" : "lq") + ((v & 0x10) != 0 ? "hq" : "lq") + "dq", true);
            }
            default:
                return null;
        }
    }

    /** AT&T x87: s/l/t (reals) or s/l/ll (integers) from the memory size; the DC/DE swap of the reversed forms. */
    static String x87Name(Instruction i) {
        Mnemonic m = i.mnemonic();
        String n = m.text();
        Operand.Mem mem = null;
        for (Operand o : i.operands()) if (o instanceof Operand.Mem x) mem = x;
        if (mem == null) {
            boolean reversed = (i.opcode() == 0xdc || i.opcode() == 0xde) && i.modrm() >= 0xe0;
            if (reversed) n = n.contains("r") ? n.replaceFirst("r", "") : n.replaceFirst("(fsub|fdiv)", "$1r");
            return n;
        }
        int s = mem.size();
        if (m == FLDENV || m == FNSTENV || m == FRSTOR || m == FNSAVE) return n + (s == 14 || s == 94 ? "s" : "");
        if (X87_INTEGER.contains(m)) return n + (s == 2 ? "s" : s == 4 ? "l" : s == 8 ? "ll" : "");
        return n + (s == 4 ? "s" : s == 8 ? "l" : s == 10 ? "t" : "");
    }

    /** objdump's b/w/l/q suffix: only when no register tells the size and a memory operand is sized. */
    static String suffix(Instruction i) {
        Mnemonic m = i.mnemonic();
        Operand[] ops = i.operands();
        int memSize = 0;
        for (Operand o : ops) if (o instanceof Operand.Mem x) memSize = Math.max(memSize, x.size());
        boolean m64 = i.has(Prefixes.MODE64);
        if (ROUNDING_BEFORE_SOURCE.contains(m) || m == PTWRITE)   // 32/64-bit integer: ambiguous in 64-bit mode only
            return !m64 ? "" : memSize == 4 ? "l" : memSize == 8 ? "q" : "";
        if (XY_SUFFIX.contains(m) && i.vex().broadcast() == 0)
            return memSize == 16 ? "x" : memSize == 32 ? "y" : memSize == 64 && XYZ_SUFFIX.contains(m) ? "z" : "";
        if (m == CRC32) {   // the source's size, when it is in memory
            Operand src = ops[1];
            int s = src.size();
            return src instanceof Operand.Reg ? "" : s == 1 ? "b" : s == 2 ? "w" : s == 4 ? "l" : "q";
        }
        if (m.noSuffix() || i.vex() != Vex.NONE) return "";
        for (int k = 0; k < ops.length; k++) {
            Operand o = ops[k];
            if (o instanceof Operand.Reg r && !countIsNotSize(i, k, r)) return "";
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
}
