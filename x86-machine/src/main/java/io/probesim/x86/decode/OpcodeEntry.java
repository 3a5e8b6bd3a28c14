package io.probesim.x86.decode;

import java.util.List;

/**
 * (Internal: public for the assembler.) One line of the opcode map, for one opcode. prefix: mandatory 0x66/0xF2/0xF3 or 0; reg: ModRM.reg or -1;
 * mod: 0 any, 1 memory only, 2 register only; exactModrm: the ModRM byte or -1. mnemonic null = invalid.
 */
public record OpcodeEntry(int map, int opcode, int prefix, int reg, int mod, int exactModrm, Mnemonic mnemonic,
                   List<OperandSpec> operands, int flags, FlowKind flow, int line) {

    public static final int I64 = 1, O64 = 2, D64 = 4, F64 = 8;

    public boolean hasModrm() {
        return reg >= 0 || exactModrm >= 0 || mod != 0 || operands.stream().anyMatch(o -> o.kind().usesModrm());
    }

    public boolean has(int flag) { return (flags & flag) != 0; }

    public boolean validIn(Mode mode) {
        return mode == Mode.BITS64 ? !has(I64) : !has(O64);
    }

    /** Higher is more specific: exact ModRM beats reg+mod beats reg beats none; a mandatory prefix adds one. */
    int specificity() {
        int s = exactModrm >= 0 ? 8 : (reg >= 0 ? 4 : 0) + (mod != 0 ? 2 : 0);
        return s * 2 + (prefix != 0 ? 1 : 0);
    }

    boolean matches(int modrm, int prefixByte) {
        if (prefix != 0 && prefix != prefixByte) return false;
        if (exactModrm >= 0) return modrm == exactModrm;
        if (reg >= 0 && ((modrm >> 3) & 7) != reg) return false;
        if (mod == 1 && (modrm >> 6) == 3) return false;
        return mod != 2 || (modrm >> 6) == 3;
    }
}
