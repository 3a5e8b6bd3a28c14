package io.probesim.x86.decode;

/**
 * (Internal: public for the assembler.) An operand form of the opcode map ("Ev", "Gb", "Ibs", "rAX" ...): a kind and a size letter
 * (b w d q v z y x r p a, or 0 when unsized). fixedReg is the register of the fixed forms (AL CL DX rAX eAX ES..GS).
 */
public record OperandSpec(Kind kind, char size, int fixedReg) {

    public enum Kind {
        E, M, R, G, Z, I, IBS, J, O, X, Y, S, C, D, V, W, P, Q, AP, ONE, FIXED, SEG;

        public boolean usesModrm() {
            return this == E || this == M || this == R || this == G || this == S || this == C || this == D
                    || this == V || this == W || this == P || this == Q;
        }
    }

    private static final String SIZES = "bwdqvzyxrpa";

    /** Parses one form; IllegalArgumentException with the reason when it is not one. */
    static OperandSpec parse(String code) {
        switch (code) {
            case "AL": return new OperandSpec(Kind.FIXED, 'b', 0);
            case "CL": return new OperandSpec(Kind.FIXED, 'b', 1);
            case "DX": return new OperandSpec(Kind.FIXED, 'w', 2);
            case "rAX": return new OperandSpec(Kind.FIXED, 'v', 0);
            case "eAX": return new OperandSpec(Kind.FIXED, 'z', 0);
            case "1": return new OperandSpec(Kind.ONE, 'b', -1);
            case "Ap": return new OperandSpec(Kind.AP, 'p', -1);
            case "Ibs": return new OperandSpec(Kind.IBS, 'b', -1);
            case "M": return new OperandSpec(Kind.M, '0', -1);
            default: break;
        }
        int seg = "ES CS SS DS FS GS".indexOf(code);
        if (code.length() == 2 && seg >= 0 && seg % 3 == 0) return new OperandSpec(Kind.SEG, 'w', Regs.ES + seg / 3);
        if (code.length() != 2 || SIZES.indexOf(code.charAt(1)) < 0)
            throw new IllegalArgumentException("unknown operand form '" + code + "'");
        Kind kind;
        try {
            kind = Kind.valueOf(code.substring(0, 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown operand kind in '" + code + "'");
        }
        if (kind == Kind.IBS || kind == Kind.AP || kind == Kind.ONE || kind == Kind.FIXED || kind == Kind.SEG)
            throw new IllegalArgumentException("unknown operand form '" + code + "'");
        return new OperandSpec(kind, code.charAt(1), -1);
    }
}
