package io.probesim.x86.asm;

import io.probesim.x86.decode.Mnemonic;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/** Source spellings to (Mnemonic, size): aliases (jz), size-named forms (cltq, movzbl), b/w/l/q suffixes. */
final class Names {
    private Names() {}

    /** size 0 = not given by the spelling. movabs marks the moffs/imm64 spelling. */
    record Resolved(Mnemonic mnemonic, int size, boolean movabs) {}

    private static final String[] CC = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};
    private static final Map<String, String> CC_ALIAS = Map.ofEntries(Map.entry("z", "e"), Map.entry("nz", "ne"),
            Map.entry("c", "b"), Map.entry("nae", "b"), Map.entry("nc", "ae"), Map.entry("nb", "ae"), Map.entry("na", "be"),
            Map.entry("nbe", "a"), Map.entry("pe", "p"), Map.entry("po", "np"), Map.entry("nge", "l"), Map.entry("nl", "ge"),
            Map.entry("ng", "le"), Map.entry("nle", "g"));
    private static final Map<String, Resolved> SPELLINGS = new LinkedHashMap<>();

    static {
        for (Mnemonic m : Mnemonic.values()) {
            if (!Encoder.encodable(m)) continue;   // vector, x87, ... names: not assembled (movq stays mov + q)
            SPELLINGS.put(m.text(), new Resolved(m, 0, false));
        }
        for (Mnemonic m : Mnemonic.values()) {
            if (!m.sizedName() || !Encoder.encodable(m)) continue;
            for (int s : new int[] {2, 4, 8}) {
                String t = m.text(s);
                Resolved old = SPELLINGS.get(t);
                if (old == null) SPELLINGS.put(t, new Resolved(m, s, false));
            }
        }
        for (var e : CC_ALIAS.entrySet())
            for (String p : new String[] {"j", "set", "cmov"})
                SPELLINGS.put(p + e.getKey(), new Resolved(Mnemonic.byName(p + e.getValue()), 0, false));
        SPELLINGS.put("movabs", new Resolved(Mnemonic.MOV, 0, true));
        SPELLINGS.put("sal", new Resolved(Mnemonic.SHL, 0, false));
        SPELLINGS.put("jrcxz", new Resolved(Mnemonic.JECXZ, 0, false));
        SPELLINGS.put("movsx", new Resolved(Mnemonic.MOVSXB, 0, false));
        for (String[] a : new String[][] {{"retq", "ret"}, {"callq", "call"}, {"jmpq", "jmp"}, {"leaveq", "leave"},
                {"pushfq", "pushf"}, {"popfq", "popf"}, {"pushfl", "pushf"}, {"popfl", "popf"}})
            SPELLINGS.put(a[0], new Resolved(SPELLINGS.get(a[1]).mnemonic(), a[0].endsWith("l") ? 4 : 8, false));
    }

    /** null when unknown. */
    static Resolved resolve(String w) {
        Resolved r = SPELLINGS.get(w);
        if (r != null) return r;
        if (w.length() > 1) {
            int size = switch (w.charAt(w.length() - 1)) {
                case 'b' -> 1;
                case 'w' -> 2;
                case 'l' -> 4;
                case 'q' -> 8;
                default -> 0;
            };
            Resolved base = SPELLINGS.get(w.substring(0, w.length() - 1));
            if (size != 0 && base != null && base.size() == 0) return new Resolved(base.mnemonic(), size, base.movabs());
        }
        return null;
    }

    /** The known spelling nearest to w (edit distance), for "did you mean". */
    static String suggest(String w) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String s : new TreeSet<>(SPELLINGS.keySet())) {
            int d = distance(w, s);
            if (d < bestD) { bestD = d; best = s; }
        }
        return bestD <= 2 ? best : null;
    }

    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++)
            for (int j = 1; j <= b.length(); j++) {
                int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + c);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1))
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
            }
        return d[a.length()][b.length()];
    }
}
