package io.probesim.x86.cpu;

/**
 * RFLAGS bits and the arithmetic flag rules of the Intel SDM (Vol. 1 3.4.3 and Vol. 2 per
 * instruction). Each rule takes the operands and the result already truncated to the operand size
 * (1, 2, 4 or 8 bytes) and returns the six status flags CF PF AF ZF SF OF as a bit set; the CPU
 * merges them with {@link #STATUS}. Flags the SDM leaves undefined get the value noted at the rule.
 */
public final class Flags {
    public static final long CF = 1L << 0;
    public static final long RESERVED1 = 1L << 1;   // always 1
    public static final long PF = 1L << 2;
    public static final long AF = 1L << 4;
    public static final long ZF = 1L << 6;
    public static final long SF = 1L << 7;
    public static final long TF = 1L << 8;
    public static final long IF = 1L << 9;
    public static final long DF = 1L << 10;
    public static final long OF = 1L << 11;
    public static final long IOPL = 3L << 12;
    public static final long NT = 1L << 14;
    public static final long RF = 1L << 16;
    public static final long VM = 1L << 17;
    public static final long AC = 1L << 18;
    public static final long ID = 1L << 21;

    /** The six status flags. */
    public static final long STATUS = CF | PF | AF | ZF | SF | OF;

    private Flags() {}

    /** All-ones mask of an operand size in bytes. */
    public static long mask(int size) {
        return size == 8 ? -1L : (1L << (size * 8)) - 1;
    }

    /** Sign bit of an operand size in bytes. */
    public static long signBit(int size) {
        return 1L << (size * 8 - 1);
    }

    /** Sign-extends the low {@code size} bytes of v to 64 bits. */
    public static long signExtend(long v, int size) {
        int sh = 64 - size * 8;
        return v << sh >> sh;
    }

    /** ZF, SF and PF of a result (PF: even number of ones in the low byte). */
    public static long szp(long res, int size) {
        long f = 0;
        if ((res & mask(size)) == 0) f |= ZF;
        if ((res & signBit(size)) != 0) f |= SF;
        if ((Integer.bitCount((int) res & 0xff) & 1) == 0) f |= PF;
        return f;
    }

    /** ADD and ADC: res = a + b + carryIn (truncated). */
    public static long add(long a, long b, long res, int size) {
        long sb = signBit(size);
        long f = szp(res, size);
        if ((((a & b) | ((a | b) & ~res)) & sb) != 0) f |= CF;        // carry out of the top bit
        if ((((a ^ res) & (b ^ res)) & sb) != 0) f |= OF;
        if (((a ^ b ^ res) & 0x10) != 0) f |= AF;
        return f;
    }

    /** SUB, SBB, CMP, NEG (a = 0): res = a - b - borrowIn (truncated). */
    public static long sub(long a, long b, long res, int size) {
        long sb = signBit(size);
        long f = szp(res, size);
        if ((((~a & b) | ((~a | b) & res)) & sb) != 0) f |= CF;       // borrow out of the top bit
        if ((((a ^ b) & (a ^ res)) & sb) != 0) f |= OF;
        if (((a ^ b ^ res) & 0x10) != 0) f |= AF;
        return f;
    }

    /** AND, OR, XOR, TEST: CF = OF = 0; AF undefined (0 here, as Intel cores produce). */
    public static long logic(long res, int size) {
        return szp(res, size);
    }

    /** INC: like ADD a + 1 but CF is kept from {@code oldFlags}. */
    public static long inc(long a, long res, int size, long oldFlags) {
        return (add(a, 1, res, size) & ~CF) | (oldFlags & CF);
    }

    /** DEC: like SUB a - 1 but CF is kept from {@code oldFlags}. */
    public static long dec(long a, long res, int size, long oldFlags) {
        return (sub(a, 1, res, size) & ~CF) | (oldFlags & CF);
    }

    /**
     * SHL/SAL by a masked count &gt; 0. CF = last bit shifted out (undefined when count &gt;= the
     * operand width; here the bit a wide shift gives, as on the host); OF is defined for count 1
     * (MSB(res) ^ CF); at larger counts the host (Intel) applies that count-1 rule to the input,
     * MSB(a) ^ bit w-2 of a, so do we; AF undefined (0 here, as on the host).
     */
    public static long shl(long a, int count, long res, int size) {
        int bits = size * 8;
        long f = szp(res, size);
        boolean cf = count <= bits && ((a >>> (bits - count)) & 1) != 0;
        if (cf) f |= CF;
        long sb = signBit(size);
        if (((a & sb) != 0) != ((a & (sb >>> 1)) != 0)) f |= OF;
        return f;
    }

    /** SHR by a masked count &gt; 0. CF = last bit out; OF = MSB of the original (count 1); AF 0. */
    public static long shr(long a, int count, long res, int size) {
        int bits = size * 8;
        long f = szp(res, size);
        if (count <= bits && ((a >>> (count - 1)) & 1) != 0) f |= CF;
        if ((a & signBit(size)) != 0) f |= OF;
        return f;
    }

    /** SAR by a masked count &gt; 0 (a sign-extended to 64 bits). CF = last bit out; OF = 0; AF 0. */
    public static long sar(long a, int count, long res, int size) {
        long f = szp(res, size);
        if (((a >> Math.min(count - 1, 63)) & 1) != 0) f |= CF;
        return f;
    }

    /**
     * bsf/bsr: ZF = (source == 0). CF OF SF AF PF are undefined in the SDM; the host (Intel) gives
     * CF = OF = SF = AF = 0 and PF = parity of the bit index written (PF = 1 for a zero source, where
     * nothing is written), so do we.
     */
    public static long bitScanFlags(long index, boolean zeroSource) {
        if (zeroSource) return ZF | PF;
        return (Long.bitCount(index & 0xff) & 1) == 0 ? PF : 0;
    }

    /**
     * mul and imul (all forms): CF = OF = the result does not fit the low half (imul: is not the sign
     * extension of it). SF ZF AF PF are undefined in the SDM; the host (Intel) gives SF = the sign bit
     * of the low half, PF = the parity of its low byte, ZF = 0 and AF = 0, so do we.
     */
    public static long mul(long lo, boolean overflow, int size) {
        long f = overflow ? CF | OF : 0;
        if ((lo & signBit(size)) != 0) f |= SF;
        if ((Integer.bitCount((int) lo & 0xff) & 1) == 0) f |= PF;
        return f;
    }

    /** bt bts btr btc: CF = the bit; ZF unaffected; OF SF AF PF are undefined in the SDM: left unchanged, as the host (Intel) does. */
    public static long bitTestFlags(long oldFlags, boolean bit) {
        return (oldFlags & ~CF) | (bit ? CF : 0);
    }

    /**
     * OF of a rotate, defined in the SDM for count 1 only. The host (Intel) applies the count-1 rule
     * to the input at every count: rol/rcl MSB(a) ^ bit w-2 of a; ror: MSB(a) ^ LSB(a); rcr: MSB(a) ^ CF in.
     * (Except rol/ror of a register by an immediate above 1, which leave OF on the host: see Cpu.rotate.)
     */
    public static boolean rotateOf(boolean left, boolean carry, long a, int size) {
        long sb = signBit(size);
        boolean msb = (a & sb) != 0;
        if (left) return msb != ((a & (sb >>> 1)) != 0);
        return msb != carry;
    }

    /**
     * shld/shrd by a masked count &gt; 0: CF = last bit out; SF ZF PF of the result. OF (defined for
     * count 1: the sign changed) is, on the host (Intel), the count-1 rule applied to the inputs at every
     * count: shld MSB(a) ^ bit w-2 of a, shrd MSB(a) ^ LSB(b). AF undefined: 0 here as on the host.
     */
    public static long doubleShift(boolean left, long a, long b, long res, boolean cf, int count, int size) {
        long f = szp(res, size);
        if (cf) f |= CF;
        long sb = signBit(size);
        boolean msb = (a & sb) != 0;
        if (left ? msb != ((a & (sb >>> 1)) != 0) : msb != ((b & 1) != 0)) f |= OF;
        return f;
    }
}
