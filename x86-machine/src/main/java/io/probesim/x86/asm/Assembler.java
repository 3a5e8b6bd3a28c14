package io.probesim.x86.asm;

import io.probesim.x86.decode.Mode;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GNU-as-style AT&T assembler for the executed subset. Branches to labels start in their short form and grow to
 * rel32 until the layout is stable (GNU as relaxation); each label becomes a Symbol sized to the next label.
 */
public final class Assembler {
    private static final int MAX_PASSES = 64;

    private Assembler() {}

    public static Assembly assemble(String source, long origin, Mode mode) {
        return assemble(source, origin, mode, Map.of());
    }

    /**
     * As {@link #assemble(String, long, Mode)}, with `externals` naming addresses outside the
     * text (kernel routines a scenario calls); a label of the text wins over an external.
     */
    public static Assembly assemble(String source, long origin, Mode mode, Map<String, Long> externals) {
        List<Statement> stmts = Parser.parse(source);
        Map<String, Statement.Label> labels = new LinkedHashMap<>();
        for (Statement s : stmts)
            if (s instanceof Statement.Label l && labels.putIfAbsent(l.name(), l) != null)
                throw new AsmException(l.line(), l.column(), "label '" + l.name() + "' is already defined on line "
                        + labels.get(l.name()).line());
        Encoder enc = new Encoder(mode);
        Set<Statement> longBranches = new HashSet<>();
        Map<String, Long> syms = new HashMap<>();
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            Map<String, Long> now = new HashMap<>();
            boolean grew = false;
            long addr = origin;
            for (Statement s : stmts) {
                if (s instanceof Statement.Label l) now.put(l.name(), addr);
                else if (s instanceof Statement.Data d) addr += (long) d.width() * d.values().size();
                else {
                    Statement.Insn in = (Statement.Insn) s;
                    Map<String, Long> view = pass == 0 ? now : syms;
                    Encoder.Result r = enc.encode(in, addr, n -> resolve(view, externals, n), !longBranches.contains(s), false);
                    boolean branch = in.operands().stream().anyMatch(o -> o instanceof AsmOperand.Target);
                    if (branch && !r.shortBranch() && longBranches.add(s)) grew = true;   // sticky: sizes only grow
                    addr += r.bytes().length;
                }
            }
            if (!grew && now.equals(syms) && pass > 0) return emit(stmts, origin, enc, syms, externals, longBranches, labels);
            syms = now;
        }
        throw new AsmException(1, 1, "branch relaxation did not settle");
    }

    private static Long resolve(Map<String, Long> labels, Map<String, Long> externals, String name) {
        Long v = labels.get(name);
        return v != null ? v : externals.get(name);
    }

    private static Assembly emit(List<Statement> stmts, long origin, Encoder enc, Map<String, Long> syms,
                                 Map<String, Long> externals, Set<Statement> longBranches,
                                 Map<String, Statement.Label> labels) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Statement s : stmts) {
            long addr = origin + out.size();
            if (s instanceof Statement.Data d) {
                for (int k = 0; k < d.values().size(); k++) {
                    AsmOperand.Expr x = d.values().get(k);
                    long v = x.offset();
                    if (!x.isNumber()) {
                        Long sv = resolve(syms, externals, x.symbol());
                        if (sv == null) throw new AsmException(d.line(), d.columns().get(k), "undefined label '" + x.symbol() + "'");
                        v += sv;
                    }
                    Encoder.writeLE(out, v, d.width());
                }
            } else if (s instanceof Statement.Insn in) {
                out.writeBytes(enc.encode(in, addr, n -> resolve(syms, externals, n), !longBranches.contains(s), true).bytes());
            }
        }
        byte[] code = out.toByteArray();
        List<Symbol> symbols = new ArrayList<>();
        List<String> names = new ArrayList<>(labels.keySet());
        for (int k = 0; k < names.size(); k++) {
            long a = syms.get(names.get(k));
            long end = origin + code.length;
            for (int j = k + 1; j < names.size(); j++) {
                long b = syms.get(names.get(j));
                if (b > a) { end = b; break; }
                if (b == a) { end = a; break; }
            }
            symbols.add(new Symbol(names.get(k), a, end - a));
        }
        return new Assembly(origin, code, List.copyOf(symbols));
    }
}
