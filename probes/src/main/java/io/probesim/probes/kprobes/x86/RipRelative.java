package io.probesim.probes.kprobes.x86;

import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Prefixes;

/**
 * The x86-64 copy fixup for a RIP-relative operand (spec 2.1): the CPU adds the displacement to
 * the address of the next instruction, so a copy run from the slot must carry
 * new disp = (orig + len + old disp) - (slot + len) = orig + old disp - slot.
 * The slot lies within +/-2 GiB of kernel text, so the result normally fits in 32 bits.
 */
final class RipRelative {
    private RipRelative() {}

    /** The copy of `insn` (at its own address) re-based to run at `slot`; null when it does not fit in 32 bits. */
    static byte[] rebase(Instruction insn, long slot) {
        byte[] copy = insn.bytes().clone();
        int at = displacementOffset(insn);
        long oldDisp = (copy[at] & 0xffL) | (copy[at + 1] & 0xffL) << 8 | (copy[at + 2] & 0xffL) << 16 | ((long) copy[at + 3]) << 24;
        long newDisp = insn.address() + oldDisp - slot;
        if (newDisp != (int) newDisp) return null;
        for (int k = 0; k < 4; k++) copy[at + k] = (byte) (newDisp >> (8 * k));
        return copy;
    }

    /** Where the disp32 sits: right after the ModRM byte (mod 00, rm 101 has no SIB). */
    static int displacementOffset(Instruction insn) {
        byte[] b = insn.bytes();
        int i = 0;
        if (insn.has(Prefixes.VEX) || insn.has(Prefixes.EVEX) || insn.has(Prefixes.XOP)) {
            while (b[i] != (byte) 0xc4 && b[i] != (byte) 0xc5 && b[i] != (byte) 0x62 && b[i] != (byte) 0x8f) i++;
            int prefixLength = switch (b[i] & 0xff) { case 0xc5 -> 2; case 0x62 -> 4; default -> 3; };
            i += prefixLength + 1; // the prefix, then one opcode byte
        } else {
            while (isLegacyPrefix(b[i] & 0xff) || (insn.has(Prefixes.MODE64) && (b[i] & 0xf0) == 0x40)) i++;
            if (b[i] == 0x0f) {
                i++;
                if (b[i] == 0x38 || b[i] == 0x3a) i++;
                else if (b[i] == 0x0f) { i++; return i + 1; } // 3DNow!: 0F 0F modrm ... imm8-opcode
            }
            i++; // the opcode byte
        }
        if ((b[i] & 0xff) != insn.modrm() || (insn.modrm() & 0xc7) != 0x05) {
            throw new IllegalStateException("no rip-relative ModRM at byte " + i + " of " + insn);
        }
        return i + 1;
    }

    private static boolean isLegacyPrefix(int b) {
        return switch (b) {
            case 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3 -> true;
            default -> false;
        };
    }
}
