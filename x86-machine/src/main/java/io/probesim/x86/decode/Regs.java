package io.probesim.x86.decode;

/**
 * Register numbers used in {@link Operand.Reg} and names as AT&T prints them (without the '%'). A vector register is
 * XMM0 + n (n = 0..31) whatever its width; the operand's size (16, 32, 64) says xmm, ymm or zmm.
 */
public final class Regs {
    private Regs() {}

    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    public static final int ES = 0x20, CS = 0x21, SS = 0x22, DS = 0x23, FS = 0x24, GS = 0x25;
    public static final int CR0 = 0x30, DR0 = 0x40, MM0 = 0x50, XMM0 = 0x60, ST0 = 0x90, K0 = 0xa0, BND0 = 0xa8, TR0 = 0xb0, TMM0 = 0xb8;
    /** the x87 stack top as an instruction names it implicitly (AT&T %st; ST0 + i is %st(i) named by ModRM) */
    public static final int ST = 0x98;

    private static final String[] Q = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"};
    private static final String[] W = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    private static final String[] B = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"};
    private static final String[] H = {"ah", "ch", "dh", "bh"};
    private static final String[] SEG = {"es", "cs", "ss", "ds", "fs", "gs"};

    public static boolean isGpr(int reg) { return reg >= 0 && reg < 16; }

    /** Name of a register operand: "rax", "r8d", "ah", "cr3", "xmm1" ... */
    public static String name(int reg, int size, boolean highByte) {
        if (isGpr(reg)) return gpr(reg, size, highByte);
        if (reg >= ES && reg <= GS) return SEG[reg - ES];
        if (reg >= CR0 && reg < CR0 + 16) return "cr" + (reg - CR0);
        if (reg >= DR0 && reg < DR0 + 16) return "db" + (reg - DR0);
        if (reg >= MM0 && reg < MM0 + 8) return "mm" + (reg - MM0);
        if (reg >= XMM0 && reg < XMM0 + 32) return (size == 32 ? "ymm" : size == 64 ? "zmm" : "xmm") + (reg - XMM0);
        if (reg >= ST0 && reg < ST0 + 8) return "st(" + (reg - ST0) + ")";
        if (reg == ST) return "st";
        if (reg >= K0 && reg < K0 + 8) return "k" + (reg - K0);
        if (reg >= BND0 && reg < BND0 + 4) return "bnd" + (reg - BND0);
        if (reg >= TR0 && reg < TR0 + 8) return "tr" + (reg - TR0);
        if (reg >= TMM0 && reg < TMM0 + 8) return "tmm" + (reg - TMM0);
        throw new IllegalArgumentException("no register " + reg);
    }

    public static String gpr(int reg, int size, boolean highByte) {
        if (highByte) return H[reg];
        if (reg < 8) {
            return switch (size) {
                case 1 -> B[reg];
                case 2 -> W[reg];
                case 4 -> "e" + W[reg];
                default -> Q[reg];
            };
        }
        return switch (size) {
            case 1 -> "r" + reg + "b";
            case 2 -> "r" + reg + "w";
            case 4 -> "r" + reg + "d";
            default -> "r" + reg;
        };
    }

    /** Parses an AT&T register name without '%' into {reg, size, highByte(0/1)}; null when unknown. */
    public static int[] parse(String name) {
        for (int s : new int[] {1, 2, 4, 8})
            for (int r = 0; r < 16; r++)
                if (gpr(r, s, false).equals(name)) return new int[] {r, s, 0};
        for (int r = 0; r < 4; r++) if (H[r].equals(name)) return new int[] {r, 1, 1};
        for (int r = 0; r < 6; r++) if (SEG[r].equals(name)) return new int[] {ES + r, 2, 0};
        return null;
    }
}
