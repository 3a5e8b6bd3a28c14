package io.probesim.x86.decode;

import java.util.List;

/**
 * (Internal: public for the assembler.) One line of the opcode map, for one opcode and one encoding. prefix: mandatory
 * 0x66/0xF2/0xF3 (for VEX/EVEX/XOP: the pp field) or 0; reg: ModRM.reg or -1; mod: 0 any, 1 memory only, 2 register
 * only; exactModrm: the ModRM byte or -1. mnemonic null = invalid. flags: the bits below.
 */
public record OpcodeEntry(Encoding encoding, int map, int opcode, int prefix, int reg, int mod, int exactModrm,
                          Mnemonic mnemonic, List<OperandSpec> operands, long flags, FlowKind flow, int line) {

    public static final long I64 = 1, O64 = 2, D64 = 4, F64 = 8;
    /** W (REX.W for legacy entries, VEX/EVEX/XOP.W otherwise) must be 0 / 1 */
    public static final long W0 = 1L << 4, W1 = 1L << 5;
    /** allowed vector lengths: 128, 256, 512 (VEX.L / EVEX.L'L); none set = the encoding's default */
    public static final long L128 = 1L << 6, L256 = 1L << 7, L512 = 1L << 8;
    /** EVEX: a mask register is required (gathers and scatters) */
    public static final long KREQ = 1L << 9;
    /** EVEX: zeroing-masking ({z}) is refused */
    public static final long NOZ = 1L << 10;
    /** EVEX: embedded broadcast of 2-, 4- or 8-byte elements */
    public static final long B2 = 1L << 11, B4 = 1L << 12, B8 = 1L << 13;
    /** EVEX: embedded rounding control, or suppress-all-exceptions only, with EVEX.b on a register form */
    public static final long ER = 1L << 14, SAE = 1L << 15;
    /** a legacy entry the mandatory prefix selects strictly (F2/F3/66 without an entry of their own: invalid) */
    public static final long STRICT = 1L << 16;
    /** a legacy entry a mandatory-prefix column does not own: 66 stays the operand size, F2/F3 stay rep prefixes */
    public static final long LOOSE = 1L << 17;
    /** EVEX: masking ({k}) is refused */
    public static final long NOMASK = 1L << 18;
    /** VEX/EVEX: the vector length is ignored (scalar instructions) */
    public static final long LIG = 1L << 19;
    /** the operand size comes from REX.W alone (66 does not apply): sysret, sysexit */
    public static final long WSIZE = 1L << 24;
    /** the memory operand must not be RIP-relative (MPX), or must be (prefetchit0/1) */
    public static final long NORIP = 1L << 25, RIPONLY = 1L << 26;
    /** register operands (and a VSIB index) must all differ; the memory operand needs a SIB byte */
    public static final long DISTINCT = 1L << 27, SIB = 1L << 28;
    /** objdump marks this VEX form {vex} */
    public static final long PVEX = 1L << 29;
    /** EVEX: objdump does not mark this form {evex} though VEX has it (checked against binutils 2.40) */
    public static final long NOMARK = 1L << 22;
    /** a decode-only alias (the reserved hint NOPs): the assembler encodes the mnemonic by another entry */
    public static final long NOASM = 1L << 23;
    /** W selects a 64-bit general register operand and reads as 0 outside 64-bit mode (vmovq, vpextrq, kmovq ...) */
    public static final long W64 = 1L << 31;
    /** EVEX: disp8 scale given explicitly (compress/expand: the element size), as log2(N) + 1 in these bits */
    public static final int N_SHIFT = 32;
    public static final long N_MASK = 7L << N_SHIFT;

    /** The explicit EVEX disp8 scale, or 0 when the memory operand's size decides. */
    int disp8N() {
        int v = (int) ((flags & N_MASK) >> N_SHIFT);
        return v == 0 ? 0 : 1 << (v - 1);
    }

    public boolean hasModrm() {
        if (encoding != Encoding.LEGACY) return !(map == 1 && opcode == 0x77 && encoding == Encoding.VEX);
        return reg >= 0 || exactModrm >= 0 || mod != 0 || operands.stream().anyMatch(o -> o.kind().usesModrm());
    }

    public boolean has(long flag) { return (flags & flag) != 0; }

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
        int l = (int) (flags >> 6) & 7;
        if (l != 0 || has(LIG)) return has(LIG) ? 7 : l;
        return encoding == Encoding.EVEX ? 7 : 3;
    }
}
