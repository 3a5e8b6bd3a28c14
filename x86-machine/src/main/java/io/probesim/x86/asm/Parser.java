package io.probesim.x86.asm;

import io.probesim.x86.decode.Regs;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** GNU-as-style AT&T source to statements: labels, instructions, .byte/.word/.long/.quad; # and // comments. */
final class Parser {
    private static final Set<String> PREFIX_WORDS = Set.of("lock", "rep", "repe", "repz", "repne", "repnz");
    private static final Set<String> IGNORED = Set.of(".text", ".globl", ".global", ".type", ".size", ".section",
            ".code64", ".code32", ".intel_syntax", ".att_syntax", ".local");

    private final int lineNo;
    private final String text;
    private int pos;

    private Parser(String text, int lineNo) {
        this.text = text;
        this.lineNo = lineNo;
    }

    static List<Statement> parse(String source) {
        List<Statement> out = new ArrayList<>();
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) new Parser(stripComment(lines[i]), i + 1).line(out);
        return out;
    }

    static String stripComment(String l) {
        int h = l.indexOf('#');
        int s = l.indexOf("//");
        int cut = h < 0 ? s : s < 0 ? h : Math.min(h, s);
        return (cut >= 0 ? l.substring(0, cut) : l).replace('\r', ' ').replace('\t', ' ');
    }

    AsmException error(int col0, String hint) { return new AsmException(lineNo, col0 + 1, hint); }

    void skipBlanks() { while (pos < text.length() && text.charAt(pos) == ' ') pos++; }

    boolean end() { skipBlanks(); return pos >= text.length(); }

    static boolean identChar(char c) { return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '$'; }

    String word() {
        int s = pos;
        while (pos < text.length() && (identChar(text.charAt(pos)) && text.charAt(pos) != '$')) pos++;
        return text.substring(s, pos);
    }

    void line(List<Statement> out) {
        while (true) {   // labels
            if (end()) return;
            int save = pos;
            String w = word();
            if (!w.isEmpty() && pos < text.length() && text.charAt(pos) == ':') {
                if (Character.isDigit(w.charAt(0))) throw error(save, "label '" + w + "' must not start with a digit");
                out.add(new Statement.Label(w, lineNo, save + 1));
                pos++;
                continue;
            }
            pos = save;
            break;
        }
        int start = pos;
        String w = word().toLowerCase();
        if (w.isEmpty()) throw error(start, "expected a label, an instruction or a directive");
        if (w.startsWith(".")) { directive(w, start, out); return; }
        List<String> prefixes = new ArrayList<>();
        while (PREFIX_WORDS.contains(w)) {
            prefixes.add(w);
            skipBlanks();
            start = pos;
            w = word().toLowerCase();
            if (w.isEmpty()) throw error(start, "expected an instruction after prefix '" + prefixes.get(prefixes.size() - 1) + "'");
        }
        List<AsmOperand> ops = new ArrayList<>();
        boolean indirect = false;
        if (!end()) {
            while (true) {
                skipBlanks();
                if (pos < text.length() && text.charAt(pos) == '*') { indirect = true; pos++; }
                ops.add(operand());
                if (end()) break;
                if (text.charAt(pos) != ',') throw error(pos, "expected ',' between operands");
                pos++;
            }
        }
        out.add(new Statement.Insn(prefixes, w, ops, indirect, lineNo, start + 1));
    }

    void directive(String d, int col, List<Statement> out) {
        int width = switch (d) {
            case ".byte" -> 1;
            case ".word", ".short", ".value" -> 2;
            case ".long", ".int" -> 4;
            case ".quad" -> 8;
            default -> 0;
        };
        if (width == 0) {
            if (IGNORED.contains(d)) return;
            throw error(col, "unknown directive '" + d + "' (supported: .byte .word .long .quad)");
        }
        List<AsmOperand.Expr> vals = new ArrayList<>();
        List<Integer> cols = new ArrayList<>();
        while (true) {
            skipBlanks();
            cols.add(pos + 1);
            vals.add(expr());
            if (end()) break;
            if (text.charAt(pos) != ',') throw error(pos, "expected ',' between values");
            pos++;
        }
        out.add(new Statement.Data(width, vals, cols, lineNo));
    }

    AsmOperand operand() {
        skipBlanks();
        int col = pos + 1;
        if (pos >= text.length()) throw error(pos, "missing operand");
        char c = text.charAt(pos);
        if (c == '$') {
            pos++;
            return new AsmOperand.Imm(expr(), col);
        }
        if (c == '%') {
            int[] r = register();
            skipBlanks();
            if (pos < text.length() && text.charAt(pos) == ':') {   // segment override
                if (r[0] < Regs.ES) throw error(col - 1, "'%" + Regs.name(r[0], r[1], r[2] != 0) + "' is not a segment register");
                pos++;
                return memory(r[0] - Regs.ES, col);
            }
            return new AsmOperand.Reg(r[0], r[1], r[2] != 0, col);
        }
        return memory(-1, col);
    }

    int[] register() {
        int s = pos;
        pos++;
        String name = word().toLowerCase();
        int[] r = Regs.parse(name);
        if (r == null) throw error(s, "unknown register '%" + name + "'");
        return r;
    }

    AsmOperand memory(int seg, int col) {
        skipBlanks();
        AsmOperand.Expr disp = null;
        if (pos < text.length() && text.charAt(pos) != '(') disp = expr();
        skipBlanks();
        if (pos >= text.length() || text.charAt(pos) != '(') {
            if (disp == null) throw error(col - 1, "expected an operand");
            if (seg >= 0) return new AsmOperand.Mem(seg, disp, -1, -1, 1, false, 0, col);
            return new AsmOperand.Target(disp, col);
        }
        pos++;
        int base = -1, index = -1, scale = 1, addr = 0;
        boolean rip = false;
        skipBlanks();
        if (text.charAt(pos) == '%') {
            int rc = pos;
            String name = peekRegName();
            if (name.equals("rip") || name.equals("eip")) {
                pos++;
                word();
                rip = true;
                addr = name.equals("rip") ? 8 : 4;
            } else {
                int[] r = register();
                skipBlanks();
                if (r[0] == Regs.RDX && r[1] == 2 && disp == null && seg < 0 && pos < text.length() && text.charAt(pos) == ')') {
                    pos++;
                    return new AsmOperand.Reg(Regs.RDX, 2, false, col);   // (%dx): the port of in/out/ins/outs
                }
                if (r[0] >= 16 || r[1] < 4 || r[2] != 0) throw error(rc, "'%" + name + "' cannot address memory");
                base = r[0];
                addr = r[1];
            }
        }
        skipBlanks();
        if (pos < text.length() && text.charAt(pos) == ',') {
            pos++;
            skipBlanks();
            int rc = pos;
            if (pos < text.length() && text.charAt(pos) == '%') {
                int[] r = register();
                if (r[0] >= 16 || r[1] < 4 || r[2] != 0 || r[0] == Regs.RSP) throw error(rc, "'%" + text.substring(rc + 1, pos) + "' cannot be an index");
                if (addr != 0 && addr != r[1]) throw error(rc, "base and index registers differ in size");
                index = r[0];
                addr = r[1];
            }
            skipBlanks();
            if (pos < text.length() && text.charAt(pos) == ',') {
                pos++;
                skipBlanks();
                int sc = pos;
                AsmOperand.Expr e = expr();
                if (!e.isNumber() || (e.offset() != 1 && e.offset() != 2 && e.offset() != 4 && e.offset() != 8))
                    throw error(sc, "scale must be 1, 2, 4 or 8");
                scale = (int) e.offset();
            }
        }
        skipBlanks();
        if (pos >= text.length() || text.charAt(pos) != ')') throw error(pos, "expected ')'");
        pos++;
        return new AsmOperand.Mem(seg, disp == null ? new AsmOperand.Expr(null, 0) : disp, base, index, scale, rip, addr, col);
    }

    String peekRegName() {
        int save = pos;
        pos++;
        String n = word().toLowerCase();
        pos = save;
        return n;
    }

    AsmOperand.Expr expr() {
        skipBlanks();
        int s = pos;
        String sym = null;
        long off = 0;
        boolean first = true;
        while (true) {
            skipBlanks();
            int sign = 1;
            if (pos < text.length() && (text.charAt(pos) == '-' || text.charAt(pos) == '+')) {
                sign = text.charAt(pos) == '-' ? -1 : 1;
                pos++;
                skipBlanks();
            } else if (!first) break;
            int ts = pos;
            if (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                off += sign * number(ts);
            } else if (pos < text.length() && (Character.isLetter(text.charAt(pos)) || text.charAt(pos) == '_' || text.charAt(pos) == '.')) {
                String w = word();
                if (sym != null || sign < 0) throw error(ts, "only 'symbol + number' expressions are supported");
                sym = w;
            } else {
                throw error(ts, s == ts ? "expected a number or a label" : "expected a number or a label after the sign");
            }
            first = false;
        }
        return new AsmOperand.Expr(sym, off);
    }

    long number(int s) {
        while (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) pos++;
        String t = text.substring(s, pos).toLowerCase();
        try {
            if (t.startsWith("0x")) return Long.parseUnsignedLong(t.substring(2), 16);
            if (t.startsWith("0b")) return Long.parseUnsignedLong(t.substring(2), 2);
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw error(s, "bad number '" + t + "'");
        }
    }
}
