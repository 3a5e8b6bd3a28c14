package io.probesim.x86.decode;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One decoded instruction, immutable by convention (do not modify the arrays).
 *
 * @param opSize   effective operand size in bytes (1, 2, 4, 8), 0 when meaningless
 * @param operands Intel order, destination first
 * @param prefixes bits of {@link Prefixes}
 * @param map      0 one-byte, 1 = 0F, 2 = 0F38, 3 = 0F3A; VEX/EVEX/XOP: their map field (EVEX 5, 6; XOP 8, 9, 10)
 * @param modrm    the ModRM byte, -1 when none
 * @param vex      masking, broadcast, rounding and vector length of VEX/EVEX/XOP encodings ({@link Vex#NONE} otherwise)
 */
public record Instruction(long address, byte[] bytes, Mnemonic mnemonic, int opSize, Operand[] operands,
                          int prefixes, int map, int opcode, int modrm, boolean ripRelative, FlowKind flow, Vex vex) {

    public int length() { return bytes.length; }

    /** Address of the next instruction (rip after this one). */
    public long next() { return address + bytes.length; }

    public boolean has(int prefixBit) { return (prefixes & prefixBit) != 0; }

    public Operand op(int i) { return operands[i]; }

    public Mode mode() { return has(Prefixes.MODE64) ? Mode.BITS64 : Mode.BITS32; }

    /** Condition code 0..15 of jcc, setcc and cmovcc (o no b ae e ne be a s ns p np l ge le g), else -1. */
    public int cc() {
        if ((prefixes & (Prefixes.VEX | Prefixes.EVEX | Prefixes.XOP)) != 0) return -1;
        boolean conditional = (map == 0 && opcode >= 0x70 && opcode <= 0x7f)
                || (map == 1 && ((opcode >= 0x80 && opcode <= 0x9f) || (opcode >= 0x40 && opcode <= 0x4f)));
        return conditional ? opcode & 0xf : -1;
    }

    @Override public String toString() {
        return String.format("%x: %s %s %s", address, HexFormat.ofDelimiter(" ").formatHex(bytes), mnemonic,
                Arrays.toString(operands));
    }

    @Override public boolean equals(Object o) {
        return o instanceof Instruction i && i.address == address && Arrays.equals(i.bytes, bytes)
                && i.prefixes == prefixes;
    }

    @Override public int hashCode() { return Long.hashCode(address) * 31 + Arrays.hashCode(bytes); }
}
