package io.probesim.x86.decode;

/** Bits of {@link Instruction#prefixes()}: the prefixes present, plus a few facts the decoder derived. */
public final class Prefixes {
    private Prefixes() {}

    public static final int LOCK = 1;            // F0
    public static final int REPNE = 1 << 1;      // F2 (last of F2/F3 wins)
    public static final int REP = 1 << 2;        // F3
    public static final int OPSIZE = 1 << 3;     // 66
    public static final int ADDRSIZE = 1 << 4;   // 67
    public static final int SEG_ES = 1 << 5;     // 26
    public static final int SEG_CS = 1 << 6;     // 2E
    public static final int SEG_SS = 1 << 7;     // 36
    public static final int SEG_DS = 1 << 8;     // 3E
    public static final int SEG_FS = 1 << 9;     // 64
    public static final int SEG_GS = 1 << 10;    // 65
    public static final int REX = 1 << 11;       // any 40-4F in 64-bit mode
    public static final int REX_W = 1 << 12;
    public static final int REX_R = 1 << 13;
    public static final int REX_X = 1 << 14;
    public static final int REX_B = 1 << 15;
    public static final int VEX = 1 << 16;
    public static final int EVEX = 1 << 17;
    public static final int XOP = 1 << 18;       // AMD 8F-escaped VEX-like prefix

    // derived by the decoder
    /** decoded in 64-bit mode */
    public static final int MODE64 = 1 << 24;
    /** the mandatory prefix (66/F2/F3) selected the opcode and is not a modifier */
    public static final int MANDATORY = 1 << 25;
    /** the 66 prefix changed the operand size */
    public static final int OPSIZE_USED = 1 << 26;
    /** some REX bits had no effect (objdump then prints the REX prefix by name) */
    public static final int REX_UNUSED = 1 << 27;
    /** the mandatory prefix was the last F2/F3 (so a 66 beside it is a plain, unused prefix) */
    public static final int MANDATORY_REP = 1 << 28;
    /** an EVEX encoding that needed nothing EVEX-only of an operation VEX also encodes (objdump marks it {evex}) */
    public static final int EVEX_MARKED = 1 << 29;
    /** a VEX encoding objdump marks {vex}: its operation came with EVEX first (AVX-VNNI, AVX-IFMA ...) */
    public static final int VEX_MARKED = 1 << 30;

    /** Segment register number 0..5 (ES CS SS DS FS GS) of the prefix bit, for SEG_ES..SEG_GS. */
    public static int segmentOf(int bit) {
        return Integer.numberOfTrailingZeros(bit) - 5;
    }
}
