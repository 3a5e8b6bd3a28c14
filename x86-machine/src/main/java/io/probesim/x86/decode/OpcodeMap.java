package io.probesim.x86.decode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** (Internal: public for the assembler.) The opcode map resource (opcode-map.txt), parsed once; a malformed line stops class initialisation. */
public final class OpcodeMap {
    static final String RESOURCE = "opcode-map.txt";
    private static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};

    /** entries[map * 256 + opcode]: the candidates of one opcode, most specific first. */
    private final List<List<OpcodeEntry>> entries = new ArrayList<>();

    private static final OpcodeMap INSTANCE = load();

    static OpcodeMap get() { return INSTANCE; }

    /** (Internal: for the assembler.) Every entry named by m, in map order (map, opcode, line). */
    public static List<OpcodeEntry> byMnemonic(Mnemonic m) {
        List<OpcodeEntry> out = new ArrayList<>();
        for (List<OpcodeEntry> l : INSTANCE.entries)
            for (OpcodeEntry e : l) if (e.mnemonic() == m) out.add(e);
        return out;
    }

    List<OpcodeEntry> candidates(int map, int opcode) { return entries.get(map * 256 + opcode); }

    private OpcodeMap() {
        for (int i = 0; i < 4 * 256; i++) entries.add(new ArrayList<>());
    }

    private static OpcodeMap load() {
        try (InputStream in = OpcodeMap.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static OpcodeMap parse(BufferedReader reader) throws IOException {
        OpcodeMap m = new OpcodeMap();
        String text;
        int lineNo = 0;
        while ((text = reader.readLine()) != null) {
            lineNo++;
            int hash = text.indexOf('#');
            String line = (hash >= 0 ? text.substring(0, hash) : text).trim();
            if (line.isEmpty()) continue;
            try {
                m.addLine(line, lineNo);
            } catch (RuntimeException e) {
                throw new IllegalStateException(RESOURCE + ":" + lineNo + ": " + e.getMessage() + ": " + line, e);
            }
        }
        for (List<OpcodeEntry> l : m.entries) l.sort((a, b) -> b.specificity() - a.specificity());
        return m;
    }

    private void addLine(String line, int lineNo) {
        String[] t = line.split("\\s+");
        if (t.length < 2) throw new IllegalArgumentException("expected '<opcode> <mnemonic> [operands] [flags]'");
        String spec = t[0];
        int prefix = 0;
        int colon = spec.indexOf(':');
        if (colon >= 0) {
            prefix = hex(spec.substring(0, colon));
            if (prefix != 0x66 && prefix != 0xf2 && prefix != 0xf3) throw new IllegalArgumentException("bad mandatory prefix");
            spec = spec.substring(colon + 1);
        }
        int exact = -1, reg = -1, mod = 0;
        int at = spec.indexOf('@');
        if (at >= 0) {
            exact = hex(spec.substring(at + 1));
            spec = spec.substring(0, at);
        }
        int slash = spec.indexOf('/');
        if (slash >= 0) {
            String r = spec.substring(slash + 1);
            spec = spec.substring(0, slash);
            if (r.endsWith("m")) mod = 1;
            if (r.endsWith("r")) mod = 2;
            reg = Integer.parseInt(mod == 0 ? r : r.substring(0, r.length() - 1));
            if (reg < 0 || reg > 7) throw new IllegalArgumentException("ModRM.reg out of range");
        }
        int map = 0;
        if (spec.startsWith("0f38")) { map = 2; spec = spec.substring(4); }
        else if (spec.startsWith("0f3a")) { map = 3; spec = spec.substring(4); }
        else if (spec.startsWith("0f") && spec.length() > 2 && !spec.startsWith("0f-")) { map = 1; spec = spec.substring(2); }
        int lo, hi;
        int dash = spec.indexOf('-');
        if (dash >= 0) {
            lo = hex(spec.substring(0, dash));
            hi = hex(spec.substring(dash + 1));
        } else {
            lo = hi = hex(spec);
        }
        if (lo > hi || hi > 0xff || spec.length() > 5) throw new IllegalArgumentException("bad opcode range");

        List<OperandSpec> ops = new ArrayList<>();
        int next = 2;
        if (t.length > 2 && !t[2].contains("=") && !isFlag(t[2])) {
            if (!t[2].equals("-")) for (String o : t[2].split(",")) ops.add(OperandSpec.parse(o));
            next = 3;
        }
        int flags = 0;
        FlowKind flow = FlowKind.NONE;
        for (int i = next; i < t.length; i++) {
            switch (t[i]) {
                case "i64" -> flags |= OpcodeEntry.I64;
                case "o64" -> flags |= OpcodeEntry.O64;
                case "d64" -> flags |= OpcodeEntry.D64;
                case "f64" -> flags |= OpcodeEntry.F64;
                case "nosfx", "noswap" -> { } // presentation facts, kept by Mnemonic / the formatter
                default -> {
                    if (!t[i].startsWith("flow=")) throw new IllegalArgumentException("unknown flag '" + t[i] + "'");
                    flow = flow(t[i].substring(5));
                }
            }
        }
        for (int op = lo; op <= hi; op++) {
            Mnemonic mn = mnemonic(t[1], op);
            entries.get(map * 256 + op).add(new OpcodeEntry(map, op, prefix, reg, mod, exact, mn, List.copyOf(ops),
                    flags, flow, lineNo));
        }
    }

    private static boolean isFlag(String s) {
        return s.equals("i64") || s.equals("o64") || s.equals("d64") || s.equals("f64") || s.equals("nosfx") || s.equals("noswap");
    }

    private static Mnemonic mnemonic(String name, int opcode) {
        if (name.equals("(bad)")) return null;
        if (name.equals("?")) return Mnemonic.UNNAMED;
        String n = name.replace("{cc}", CC[opcode & 15]);
        Mnemonic m = Mnemonic.byName(n);
        if (m == null) throw new IllegalArgumentException("mnemonic '" + n + "' is not in enum Mnemonic");
        return m;
    }

    private static FlowKind flow(String s) {
        return switch (s) {
            case "jmp" -> FlowKind.JMP;
            case "jcc" -> FlowKind.JCC;
            case "call" -> FlowKind.CALL;
            case "ret" -> FlowKind.RET;
            case "iret" -> FlowKind.IRET;
            case "jmpi" -> FlowKind.JMP_INDIRECT;
            case "calli" -> FlowKind.CALL_INDIRECT;
            case "int" -> FlowKind.INT;
            case "hlt" -> FlowKind.HLT;
            case "loop" -> FlowKind.LOOP;
            case "far" -> FlowKind.FAR;
            default -> throw new IllegalArgumentException("unknown flow '" + s + "'");
        };
    }

    private static int hex(String s) {
        if (s.isEmpty() || s.length() > 2) throw new IllegalArgumentException("bad hex byte '" + s + "'");
        return Integer.parseInt(s, 16);
    }
}
