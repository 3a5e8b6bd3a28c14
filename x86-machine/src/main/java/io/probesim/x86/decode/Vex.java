package io.probesim.x86.decode;

/**
 * What a VEX, EVEX or XOP prefix adds to an instruction beyond its operands ({@link #NONE} for legacy encodings).
 *
 * @param length    vector length in bytes (16, 32, 64); 0 for legacy encodings
 * @param w         the W bit
 * @param mask      EVEX opmask register k0..k7 of the destination (0 = no masking)
 * @param zeroing   EVEX zeroing-masking ({z})
 * @param broadcast EVEX embedded broadcast: N of {1toN} on the memory operand, 0 when none
 * @param rounding  EVEX static rounding on a register form: 0..3 = {rn,rd,ru,rz}-sae, {@link #SAE_ONLY}, or -1
 */
public record Vex(int length, boolean w, int mask, boolean zeroing, int broadcast, int rounding) {
    public static final int SAE_ONLY = 4;
    public static final Vex NONE = new Vex(0, false, 0, false, 0, -1);
}
