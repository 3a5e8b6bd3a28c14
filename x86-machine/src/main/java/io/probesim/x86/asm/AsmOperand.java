package io.probesim.x86.asm;

/** A source operand in AT&T syntax, with the 1-based column it starts at. */
sealed interface AsmOperand {
    int column();

    /** %reg; reg/size/highByte as in Regs. */
    record Reg(int reg, int size, boolean highByte, int column) implements AsmOperand {}

    /** $value or $symbol[+-n]. */
    record Imm(Expr value, int column) implements AsmOperand {}

    /** [%seg:]disp(base,index,scale); base/index -1 when absent; addrSize 4 or 8 (from the registers), 0 when none. */
    record Mem(int segment, Expr disp, int base, int index, int scale, boolean rip, int addrSize, int column)
            implements AsmOperand {
        boolean absolute() { return base < 0 && index < 0 && !rip; }
    }

    /** A bare expression: branch target (or absolute memory for non-branches). */
    record Target(Expr value, int column) implements AsmOperand {}

    /** number, or symbol + offset. */
    record Expr(String symbol, long offset) {
        boolean isNumber() { return symbol == null; }
    }
}
