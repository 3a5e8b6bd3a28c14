package io.probesim.probes.kprobes.x86;

import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Prefixes;

/**
 * The modern booster's can_boost (spec 2.5, eras 2017 and modern) on a decoded instruction:
 * no exception-table entry (a fault may occur there), no 3-byte opcode, no CS or address-size
 * prefix; a two-byte opcode per the kernel's twobyte_is_boostable bitmap [?: read from
 * arch/x86/kernel/kprobes/core.c, not in the spec]; a one-byte opcode unless it is on the
 * spec's list: 62, 70-7F, 9A, C0-C1, CC-CE, D0-D3, D6, D8-DF, E0-E3, E8-E9, EB, F0-F4, F6-F7,
 * FE; FF only for /4 (jmp through a register or memory). VEX/EVEX/XOP encodings are looked up
 * by their opcode byte in the one-byte list, as the kernel's decoder reports them as one
 * opcode byte [?].
 */
final class BoostTableModern {
    private BoostTableModern() {}

    /** One-byte opcodes; 0F and the prefixes never reach this table as opcodes. */
    private static final String[] ONE_BYTE = {
            //   0 1 2 3 4 5 6 7 8 9 a b c d e f
            /* 0 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 1 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 2 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 3 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 4 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 5 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 6 */ "1 1 0 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 7 */ "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
            /* 8 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 9 */ "1 1 1 1 1 1 1 1 1 1 0 1 1 1 1 1",
            /* a */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* b */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* c */ "0 0 1 1 1 1 1 1 1 1 1 1 0 0 0 1",
            /* d */ "0 0 0 0 1 1 0 1 0 0 0 0 0 0 0 0",
            /* e */ "0 0 0 0 1 1 1 1 0 0 1 0 1 1 1 1",
            /* f */ "0 0 0 0 0 1 0 0 1 1 1 1 1 1 0 1",
    };

    /** 0F xx: the kernel's twobyte_is_boostable. */
    private static final String[] TWO_BYTE = {
            //   0 1 2 3 4 5 6 7 8 9 a b c d e f
            /* 0 */ "0 0 1 1 0 0 1 0 1 1 0 0 0 0 0 0",
            /* 1 */ "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1",
            /* 2 */ "1 1 1 1 0 0 0 0 0 0 0 0 0 0 0 0",
            /* 3 */ "0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
            /* 4 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 5 */ "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
            /* 6 */ "1 1 1 1 1 1 1 1 1 1 1 1 0 0 1 1",
            /* 7 */ "0 0 0 0 1 1 1 1 0 0 0 0 0 0 1 1",
            /* 8 */ "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
            /* 9 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* a */ "1 1 0 1 1 1 0 0 1 1 0 1 1 1 0 1",
            /* b */ "1 1 1 1 1 1 1 1 0 0 0 1 1 1 1 1",
            /* c */ "1 1 0 0 0 0 0 0 1 1 1 1 1 1 1 1",
            /* d */ "0 1 1 1 0 1 0 0 1 1 0 1 1 1 0 1",
            /* e */ "0 1 1 0 0 1 0 0 1 1 0 1 1 1 0 1",
            /* f */ "0 1 1 1 0 1 0 0 1 1 1 0 1 1 1 0",
    };

    private static final boolean[] ONE = parse(ONE_BYTE);
    private static final boolean[] TWO = parse(TWO_BYTE);

    private static boolean[] parse(String[] grid) {
        boolean[] table = new boolean[256];
        for (int row = 0; row < 16; row++) {
            String[] cells = grid[row].trim().split(" ");
            if (cells.length != 16) throw new IllegalStateException("booster table row " + row + " has " + cells.length + " cells");
            for (int col = 0; col < 16; col++) table[row * 16 + col] = cells[col].equals("1");
        }
        return table;
    }

    /** The one-byte verdict alone (FF is listed boostable here: its /reg decides, see {@link #canBoost}). */
    static boolean canBoostOpcode(int opcode) {
        return ONE[opcode & 0xff];
    }

    static boolean canBoostTwoByte(int opcode) {
        return TWO[opcode & 0xff];
    }

    /** can_boost: `inExceptionTable` says whether the instruction's address has an exception-table entry. */
    static boolean canBoost(Instruction insn, boolean inExceptionTable) {
        if (inExceptionTable) return false;
        boolean vexLike = insn.has(Prefixes.VEX) || insn.has(Prefixes.EVEX) || insn.has(Prefixes.XOP);
        if (!vexLike) {
            if (insn.map() == 1) return canBoostTwoByte(insn.opcode());
            if (insn.map() != 0) return false;                        // 0F 38, 0F 3A: three-byte opcodes
        }
        if (insn.has(Prefixes.SEG_CS) || insn.has(Prefixes.ADDRSIZE)) return false;
        int op = insn.opcode();
        if (!vexLike && op == 0xff) return ((insn.modrm() >> 3) & 7) == 4;  // only jmp *r/m
        return canBoostOpcode(op);
    }
}
