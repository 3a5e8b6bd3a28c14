package io.probesim.x86.asm;

import java.util.List;

/** One parsed line part: a label, an instruction or a data directive. */
sealed interface Statement {
    int line();

    record Label(String name, int line, int column) implements Statement {}

    /** prefixes: lock/rep/repz/repnz words; indirect: '*' before the operand of call/jmp. */
    record Insn(List<String> prefixes, String mnemonic, List<AsmOperand> operands, boolean indirect, int line,
                int column) implements Statement {}

    /** .byte/.word/.long/.quad: width in bytes of each value. */
    record Data(int width, List<AsmOperand.Expr> values, List<Integer> columns, int line) implements Statement {}
}
