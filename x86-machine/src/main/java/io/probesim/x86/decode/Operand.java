package io.probesim.x86.decode;

/** One operand of a decoded instruction. See docs/instruction-api.md for the numbering conventions. */
public sealed interface Operand permits Operand.Reg, Operand.Mem, Operand.Imm, Operand.Rel {

    /** Size in bytes of the value the operand names (Rel: 0; Mem: 0 when no access, as for lea). */
    int size();

    /** A register: GPR 0..15, or a class in {@link Regs}; highByte = ah/ch/dh/bh with reg 0..3. */
    record Reg(int reg, int size, boolean highByte) implements Operand {}

    /**
     * Memory at [segment:] disp + base + index*scale. base/index -1 when absent; ripRelative: base -1 and the
     * address is the next instruction's address + disp. segment: explicit override 0..5 (ES..GS) or -1.
     * indexSize: 0 for a general-register index; for a vector index (VSIB: gathers, scatters) the index is
     * {@link Regs#XMM0} + n and indexSize its width in bytes (16, 32, 64). disp is the effective displacement
     * (EVEX's compressed disp8 already multiplied out).
     */
    record Mem(int base, int index, int scale, long disp, int size, boolean ripRelative, int segment, int indexSize)
            implements Operand {
        public Mem(int base, int index, int scale, long disp, int size, boolean ripRelative, int segment) {
            this(base, index, scale, disp, size, ripRelative, segment, 0);
        }
    }

    /** An immediate: value sign-extended (Ibs/Iz/Iv) or zero-extended (Ib/Iw) from its encoding; use it modulo size. */
    record Imm(long value, int size) implements Operand {}

    /** A relative branch target, already absolute. */
    record Rel(long target) implements Operand {
        @Override public int size() { return 0; }
    }
}
