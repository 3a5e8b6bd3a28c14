package io.probesim.x86.decode;

/**
 * (Internal: public for the assembler.) An operand form of the opcode map ("Ev", "Gb", "Ibs", "Vx", "Hx", "Wd" ...):
 * a kind and a size letter (see opcode-map.txt's header; '0' when unsized). fixedReg is the register of the fixed
 * forms (AL CL DX rAX eAX ES..GS XMM0).
 */
public record OperandSpec(Kind kind, char size, int fixedReg) {

    public enum Kind {
        /** ModRM r/m: general register or memory */ E,
        /** ModRM r/m: memory only */ M,
        /** ModRM r/m: general register whatever mod says (mov to/from control registers) */ R,
        /** ModRM.reg: general register */ G,
        /** general register in the opcode's low three bits */ Z,
        /** VEX.vvvv: general register */ B,
        I, IBS, J, O, X, Y,
        /** ModRM.reg: segment / control / debug register */ S, C, D,
        /** ModRM.reg: vector (or, size k, mask) register */ V,
        /** VEX.vvvv: vector or mask register */ H,
        /** ModRM r/m: vector register or memory */ W,
        /** ModRM r/m: vector or mask register only */ U,
        /** imm8[7:4]: vector register (VEX is4 operand) */ L,
        /** ModRM.reg: MMX register */ P,
        /** ModRM r/m: MMX register or memory */ Q,
        /** ModRM r/m: MMX register only */ N,
        /** ModRM.reg / r/m: MPX bound register (r/m: or memory) */ TG, TE,
        /** ModRM.reg: i386/i486 test register (mov to/from %tr) */ TR,
        /** memory with a vector index (VSIB): index as wide as the vector length, or half as wide */ MV, MH,
        /** x87 st(0), and st(i) from ModRM.rm */ ST, STI,
        AP, ONE, FIXED, SEG, XMM0;

        public boolean usesModrm() {
            return switch (this) {
                case E, M, R, G, S, C, D, V, W, U, P, Q, N, TG, TE, TR, MV, MH, STI -> true;
                default -> false;
            };
        }

        /** Names a vector, MMX or mask register (legacy entries with one are selected strictly by mandatory prefix). */
        boolean isVector() {
            return switch (this) {
                case V, H, W, U, L, P, Q, N, MV, MH, XMM0 -> true;
                default -> false;
            };
        }
    }

    private static final String SIZES = "bwdqvzyxrpatoYhfemknNsT";

    /** Parses one form; IllegalArgumentException with the reason when it is not one. */
    static OperandSpec parse(String code) {
        switch (code) {
            case "AL": return new OperandSpec(Kind.FIXED, 'b', 0);
            case "CL": return new OperandSpec(Kind.FIXED, 'b', 1);
            case "DX": return new OperandSpec(Kind.FIXED, 'w', 2);
            case "AX": return new OperandSpec(Kind.FIXED, 'w', 0);
            case "BXb": return new OperandSpec(Kind.X, 'b', Regs.RBX);   // xlat: ds:[rbx + al]
            case "rAX": return new OperandSpec(Kind.FIXED, 'v', 0);
            case "eAX": return new OperandSpec(Kind.FIXED, 'z', 0);
            case "1": return new OperandSpec(Kind.ONE, 'b', -1);
            case "Ap": return new OperandSpec(Kind.AP, 'p', -1);
            case "Ibs": return new OperandSpec(Kind.IBS, 'b', -1);
            case "M": return new OperandSpec(Kind.M, '0', -1);
            case "ST": return new OperandSpec(Kind.ST, 't', -1);
            case "STi": return new OperandSpec(Kind.STI, 't', -1);
            case "XMM0": return new OperandSpec(Kind.XMM0, 'o', -1);
            case "Tg": return new OperandSpec(Kind.TG, 'o', -1);
            case "Te": return new OperandSpec(Kind.TE, 'o', -1);
            case "Td": return new OperandSpec(Kind.TR, 'd', -1);
            default: break;
        }
        int seg = "ES CS SS DS FS GS".indexOf(code);
        if (code.length() == 2 && seg >= 0 && seg % 3 == 0) return new OperandSpec(Kind.SEG, 'w', Regs.ES + seg / 3);
        if (code.length() == 3 && (code.startsWith("MV") || code.startsWith("MH")) && "dq".indexOf(code.charAt(2)) >= 0)
            return new OperandSpec(code.startsWith("MV") ? Kind.MV : Kind.MH, code.charAt(2), -1);
        if (code.length() != 2 || SIZES.indexOf(code.charAt(1)) < 0)
            throw new IllegalArgumentException("unknown operand form '" + code + "'");
        Kind kind;
        try {
            kind = Kind.valueOf(code.substring(0, 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown operand kind in '" + code + "'");
        }
        switch (kind) {
            case IBS, AP, ONE, FIXED, SEG, ST, STI, MV, MH, XMM0, TG, TE, TR ->
                    throw new IllegalArgumentException("unknown operand form '" + code + "'");
            default -> { }
        }
        return new OperandSpec(kind, code.charAt(1), -1);
    }
}
