package io.probesim.x86.decode;

import java.util.List;

/**
 * (Internal: public for the assembler.) One line of the opcode map, for one opcode and one encoding. prefix: mandatory
 * 0x66/0xF2/0xF3 (for VEX/EVEX/XOP: the pp field) or 0; reg: ModRM.reg or -1; mod: 0 any, 1 memory only, 2 register
 * only; exactModrm: the ModRM byte or -1. mnemonic null = invalid. flags: the bits below.
 */
public record OpcodeEntry(Encoding encoding, int map, int opcode, int prefix, int reg, int mod, int exactModrm,
                          Mnemonic mnemonic, List<OperandSpec> operands, int flags, FlowKind flow, int line) {

    public static final int I64 = 1, O64 = 2, D64 = 4, F64 = 8;
    /** W (REX.W for legacy entries, VEX/EVEX/XOP.W otherwise) must be 0 / 1 */
    public static final int W0 = 1 << 4, W1 = 1 << 5;
    /** allowed vector lengths: 128, 256, 512 (VEX.L / EVEX.L'L); none set = the encoding's default */
    public static final int L128 = 1 << 6, L256 = 1 << 7, L512 = 1 << 8;
    /** EVEX: a mask register is required (gathers and scatters) */
    public static final int KREQ = 1 << 9;
    /** EVEX: zeroing-masking ({z}) is refused */
    public static final int NOZ = 1 << 10;
    /** EVEX: embedded broadcast of 2-, 4- or 8-byte elements */
    public static final int B2 = 1 << 11, B4 = 1 << 12, B8 = 1 << 13;
    /** EVEX: embedded rounding control, or suppress-all-exceptions only, with EVEX.b on a register form */
    public static final int ER = 1 << 14, SAE = 1 << 15;
    /** a legacy entry the mandatory prefix selects strictly (F2/F3/66 without an entry of their own: invalid) */
    public static final int STRICT = 1 << 16;
    /** a legacy entry a mandatory-prefix column does not own: 66 stays the operand size, F2/F3 stay rep prefixes */
    public static final int LOOSE = 1 << 17;
    /** EVEX: masking ({k}) is refused */
    public static final int NOMASK = 1 << 18;
    /** VEX/EVEX: the vector length is ignored (scalar instructions) */
    public static final int LIG = 1 << 19;
    /** a decode-only alias (the reserved hint NOPs): the assembler encodes the mnemonic by another entry */
    public static final int NOASM = 1 << 23;
    /** EVEX: disp8 scale given explicitly (compress/expand: the element size), as log2(N) + 1 in these bits */
    public static final int N_SHIFT = 20, N_MASK = 7 << N_SHIFT;

    /** The explicit EVEX disp8 scale, or 0 when the memory operand's size decides. */
    int disp8N() {
        int v = (flags & N_MASK) >> N_SHIFT;
        return v == 0 ? 0 : 1 << (v - 1);
    }

    public boolean hasModrm() {
        if (encoding != Encoding.LEGACY) return !(map == 1 && opcode == 0x77 && encoding == Encoding.VEX);
        return reg >= 0 || exactModrm >= 0 || mod != 0 || operands.stream().anyMatch(o -> o.kind().usesModrm());
    }

    public boolean has(int flag) { return (flags & flag) != 0; }

    public boolean validIn(Mode mode) {
        return mode == Mode.BITS64 ? !has(I64) : !has(O64);
    }

    /** Higher is more specific: exact ModRM beats reg+mod beats reg beats none; a mandatory prefix and W add one. */
    int specificity() {
        int s = exactModrm >= 0 ? 8 : (reg >= 0 ? 4 : 0) + (mod != 0 ? 2 : 0);
        return s * 4 + (prefix != 0 ? 2 : 0) + (has(W0) || has(W1) ? 1 : 0);
    }

    boolean matchesModrm(int modrm) {
        if (exactModrm >= 0) return modrm == exactModrm;
        if (reg >= 0 && ((modrm >> 3) & 7) != reg) return false;
        if (mod == 1 && (modrm >> 6) == 3) return false;
        return mod != 2 || (modrm >> 6) == 3;
    }

    /** Allowed vector lengths as a bit set (bit 0 = 128, 1 = 256, 2 = 512). */
    int lengths() {
        int l = (flags >> 6) & 7;
        if (l != 0 || has(LIG)) return has(LIG) ? 7 : l;
        return encoding == Encoding.EVEX ? 7 : 3;
    }
}
