package io.probesim.probes.kprobes.x86;

/**
 * Seed 000's booster table (2006 i386 kprobes-booster): may the instruction whose first
 * opcode byte is `op` run directly from its slot with a jmp back? The seed lists what may
 * NOT: 0F, 70-7F, 9A, 9C, C0-C1, C6-C7, CC-CE, D0-D3, D6, D8-DF, E0-E3, E8, F0-F3, F4,
 * F6-F7, FE-FF.
 */
final class BoostTable2006 {
    private BoostTable2006() {}

    private static final String[] GRID = {
            //   0 1 2 3 4 5 6 7 8 9 a b c d e f
            /* 0 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 0",
            /* 1 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 2 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 3 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 4 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 5 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 6 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 7 */ "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
            /* 8 */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* 9 */ "1 1 1 1 1 1 1 1 1 1 0 1 0 1 1 1",
            /* a */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* b */ "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
            /* c */ "0 0 1 1 1 1 0 0 1 1 1 1 0 0 0 1",
            /* d */ "0 0 0 0 1 1 0 1 0 0 0 0 0 0 0 0",
            /* e */ "0 0 0 0 1 1 1 1 0 1 1 1 1 1 1 1",
            /* f */ "0 0 0 0 0 1 0 0 1 1 1 1 1 1 0 0",
    };

    private static final boolean[] BOOSTABLE = parse();

    private static boolean[] parse() {
        boolean[] table = new boolean[256];
        for (int row = 0; row < 16; row++) {
            String[] cells = GRID[row].trim().split(" ");
            if (cells.length != 16) throw new IllegalStateException("booster table row " + row + " has " + cells.length + " cells");
            for (int col = 0; col < 16; col++) table[row * 16 + col] = cells[col].equals("1");
        }
        return table;
    }

    static boolean canBoost(int opcode) {
        return BOOSTABLE[opcode & 0xff];
    }
}
