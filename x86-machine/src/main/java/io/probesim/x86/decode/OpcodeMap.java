package io.probesim.x86.decode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * (Internal: public for the assembler.) The opcode map resource (opcode-map.txt), parsed once; a malformed line stops
 * class initialisation with its line number. Its header documents the format.
 */
public final class OpcodeMap {
    static final String RESOURCE = "opcode-map.txt";
    private static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};
    /** Pseudo map of the 3DNow! instructions, keyed by their trailing suffix byte. */
    static final int MAP_3DNOW = 15;

    /** entries[(encoding * 16 + map) * 256 + opcode]: the candidates of one opcode, most specific first. */
    private final List<List<OpcodeEntry>> entries = new ArrayList<>();

    private static final OpcodeMap INSTANCE = load();

    static OpcodeMap get() { return INSTANCE; }

    /** Legacy entries by mnemonic, in map order (map, opcode, specificity), built once. */
    private final java.util.Map<Mnemonic, List<OpcodeEntry>> legacyByMnemonic = new java.util.EnumMap<>(Mnemonic.class);

    /** (Internal: for the assembler.) Every legacy entry named by m, in map order (map, opcode, line). */
    public static List<OpcodeEntry> byMnemonic(Mnemonic m) {
        return INSTANCE.legacyByMnemonic.getOrDefault(m, List.of());
    }

    List<OpcodeEntry> candidates(Encoding enc, int map, int opcode) {
        return entries.get((enc.ordinal() * 16 + map) * 256 + opcode);
    }

    private OpcodeMap() {
        for (int i = 0; i < Encoding.values().length * 16 * 256; i++) entries.add(new ArrayList<>());
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
        for (int k = 0; k < 16 * 256; k++)
            for (OpcodeEntry e : m.entries.get(k))
                if (e.mnemonic() != null) m.legacyByMnemonic.computeIfAbsent(e.mnemonic(), x -> new ArrayList<>()).add(e);
        m.legacyByMnemonic.replaceAll((k, v) -> List.copyOf(v));
        return m;
    }

    /** The parsed selector of a line: everything before the mnemonic. */
    private record Selector(int prefix, int map, int lo, int hi, int reg, int mod, int exactLo, int exactHi) {}

    private static Selector selector(String spec) {
        int prefix = 0;
        int colon = spec.indexOf(':');
        if (colon >= 0) {
            prefix = hex(spec.substring(0, colon));
            if (prefix != 0x66 && prefix != 0xf2 && prefix != 0xf3) throw new IllegalArgumentException("bad mandatory prefix");
            spec = spec.substring(colon + 1);
        }
        int exactLo = -1, exactHi = -1;
        int at = spec.indexOf('@');
        if (at >= 0) {
            String r = spec.substring(at + 1);
            int dash = r.indexOf('-');
            exactLo = hex(dash < 0 ? r : r.substring(0, dash));
            exactHi = dash < 0 ? exactLo : hex(r.substring(dash + 1));
            if (exactHi < exactLo) throw new IllegalArgumentException("bad ModRM range");
            spec = spec.substring(0, at);
        }
        int reg = -1, mod = 0;
        int slash = spec.indexOf('/');
        if (slash >= 0) {
            String r = spec.substring(slash + 1);
            spec = spec.substring(0, slash);
            if (r.endsWith("m")) mod = 1;
            if (r.endsWith("r")) mod = 2;
            String digits = mod == 0 ? r : r.substring(0, r.length() - 1);
            if (!digits.isEmpty()) {
                reg = Integer.parseInt(digits);
                if (reg < 0 || reg > 7) throw new IllegalArgumentException("ModRM.reg out of range");
            } else if (mod == 0) throw new IllegalArgumentException("empty ModRM constraint");
        }
        int map = 0;
        String[][] maps = {{"0f38", "2"}, {"0f3a", "3"}, {"0f", "1"}, {"m5", "5"}, {"m6", "6"}, {"x8", "8"}, {"x9", "9"},
                {"xa", "10"}, {"3d", "15"}};
        for (String[] mp : maps) {
            if (spec.startsWith(mp[0]) && spec.length() > mp[0].length() && spec.charAt(mp[0].length()) != '-') {
                map = Integer.parseInt(mp[1]);
                spec = spec.substring(mp[0].length());
                break;
            }
        }
        int lo, hi;
        int dash = spec.indexOf('-');
        if (dash >= 0) {
            lo = hex(spec.substring(0, dash));
            hi = hex(spec.substring(dash + 1));
        } else {
            lo = hi = hex(spec);
        }
        if (lo > hi || hi > 0xff || spec.length() > 5) throw new IllegalArgumentException("bad opcode range");
        return new Selector(prefix, map, lo, hi, reg, mod, exactLo, exactHi);
    }

    private void addLine(String line, int lineNo) {
        String[] t = line.split("\\s+");
        if (t.length < 2) throw new IllegalArgumentException("expected '<opcode> <mnemonic> [operands] [flags]'");
        Selector sel = selector(t[0]);

        List<OperandSpec> ops = new ArrayList<>();
        int next = 2;
        if (t.length > 2 && !t[2].contains("=") && !isFlag(t[2])) {
            if (!t[2].equals("-")) for (String o : t[2].split(",")) ops.add(OperandSpec.parse(o));
            next = 3;
        }
        long flags = 0;
        boolean vex = false, evex = false, xop = false, sse = false;
        FlowKind flow = FlowKind.NONE;
        for (int i = next; i < t.length; i++) {
            switch (t[i]) {
                case "i64" -> flags |= OpcodeEntry.I64;
                case "o64" -> flags |= OpcodeEntry.O64;
                case "d64" -> flags |= OpcodeEntry.D64;
                case "f64" -> flags |= OpcodeEntry.F64;
                case "w0" -> flags |= OpcodeEntry.W0;
                case "w1" -> flags |= OpcodeEntry.W1;
                case "l0" -> flags |= OpcodeEntry.L128;
                case "l1" -> flags |= OpcodeEntry.L256;
                case "l2" -> flags |= OpcodeEntry.L512;
                case "l01" -> flags |= OpcodeEntry.L128 | OpcodeEntry.L256;
                case "l12" -> flags |= OpcodeEntry.L256 | OpcodeEntry.L512;
                case "lig" -> flags |= OpcodeEntry.LIG;
                case "kreq" -> flags |= OpcodeEntry.KREQ;
                case "noz" -> flags |= OpcodeEntry.NOZ;
                case "nomask" -> flags |= OpcodeEntry.NOMASK;
                case "b2" -> flags |= OpcodeEntry.B2;
                case "b4" -> flags |= OpcodeEntry.B4;
                case "b8" -> flags |= OpcodeEntry.B8;
                case "er" -> flags |= OpcodeEntry.ER;
                case "sae" -> flags |= OpcodeEntry.SAE;
                case "n1" -> flags |= 1L << OpcodeEntry.N_SHIFT;
                case "n2" -> flags |= 2L << OpcodeEntry.N_SHIFT;
                case "n4" -> flags |= 3L << OpcodeEntry.N_SHIFT;
                case "n8" -> flags |= 4L << OpcodeEntry.N_SHIFT;
                case "strict" -> flags |= OpcodeEntry.STRICT;
                case "noasm" -> flags |= OpcodeEntry.NOASM;
                case "wsize" -> flags |= OpcodeEntry.WSIZE;
                case "norip" -> flags |= OpcodeEntry.NORIP;
                case "riponly" -> flags |= OpcodeEntry.RIPONLY;
                case "distinct" -> flags |= OpcodeEntry.DISTINCT;
                case "sib" -> flags |= OpcodeEntry.SIB;
                case "pvex" -> flags |= OpcodeEntry.PVEX;
                case "w64" -> flags |= OpcodeEntry.W64;
                case "nomark" -> flags |= OpcodeEntry.NOMARK;
                case "loose" -> flags |= OpcodeEntry.LOOSE;
                case "vex" -> vex = true;
                case "evex" -> evex = true;
                case "xop" -> xop = true;
                case "sse" -> sse = true;
                case "nosfx", "noswap" -> { } // presentation facts, kept by Mnemonic / the formatter
                default -> {
                    if (!t[i].startsWith("flow=")) throw new IllegalArgumentException("unknown flag '" + t[i] + "'");
                    flow = flow(t[i].substring(5));
                }
            }
        }
        if (sse && !vex) throw new IllegalArgumentException("'sse' names the legacy form of a 'vex' line");
        List<Encoding> encs = new ArrayList<>();
        if (vex) encs.add(Encoding.VEX);
        if (evex) encs.add(Encoding.EVEX);
        if (xop) encs.add(Encoding.XOP);
        if (sse || encs.isEmpty()) encs.add(Encoding.LEGACY);
        boolean legacyOnly = encs.size() == 1 && encs.get(0) == Encoding.LEGACY;
        if (!legacyOnly && sel.map() == 0) throw new IllegalArgumentException("VEX, EVEX and XOP lines need a map");
        for (Encoding enc : encs) {
            String name = t[1];
            List<OperandSpec> eops = ops;
            long eflags = flags;
            if (enc == Encoding.LEGACY && !legacyOnly) {   // the SSE form of a VEX line: no 'v', no VEX.vvvv operand
                if (!name.startsWith("v")) throw new IllegalArgumentException("a 'sse vex' line names the VEX form (v...)");
                name = name.substring(1);
                eops = ops.stream().filter(o -> o.kind() != OperandSpec.Kind.H).toList();
                eflags &= ~(OpcodeEntry.L128 | OpcodeEntry.L256 | OpcodeEntry.L512 | OpcodeEntry.LIG);
            }
            if (enc == Encoding.LEGACY && eops.stream().anyMatch(o -> o.kind().isVector()) && !has(eflags, OpcodeEntry.LOOSE))
                eflags |= OpcodeEntry.STRICT;
            for (int op = sel.lo(); op <= sel.hi(); op++) {
                Mnemonic mn = mnemonic(name, op);
                for (int mm = sel.exactLo(); mm <= sel.exactHi(); mm++)
                    entries.get((enc.ordinal() * 16 + sel.map()) * 256 + op).add(new OpcodeEntry(enc, sel.map(), op,
                            sel.prefix(), sel.reg(), sel.mod(), mm, mn, List.copyOf(eops), eflags, flow, lineNo));
            }
        }
    }

    private static boolean has(long flags, long bit) { return (flags & bit) != 0; }

    private static boolean isFlag(String s) {
        return switch (s) {
            case "i64", "o64", "d64", "f64", "nosfx", "noswap", "w0", "w1", "l0", "l1", "l2", "l01", "l12", "lig",
                    "kreq", "noz", "nomask", "b2", "b4", "b8", "er", "sae", "strict", "loose", "vex", "evex", "xop", "sse",
                    "n1", "n2", "n4", "n8", "noasm", "wsize", "norip", "riponly", "distinct", "sib", "pvex", "w64", "nomark" -> true;
            default -> false;
        };
    }

    private static Mnemonic mnemonic(String name, int opcode) {
        if (name.equals("(bad)")) return null;
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
