package io.probesim.x86.kernel;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/** kallsyms: kernel symbols with sizes, plus the kprobe blacklist a scenario can extend. */
public final class SymbolTable {

    public record Symbol(String name, long address, long size) {
        public boolean contains(long addr) {
            return addr >= address && addr < address + size;
        }
    }

    private final TreeMap<Long, Symbol> byAddress = new TreeMap<>();
    private final Map<String, Symbol> byName = new TreeMap<>();
    private final TreeSet<String> blacklist = new TreeSet<>();
    private final TreeMap<Long, Long> textRanges = new TreeMap<>();

    public void add(String name, long address, long size) {
        if (byName.containsKey(name)) throw new IllegalArgumentException("symbol " + name + " defined twice");
        Symbol s = new Symbol(name, address, size);
        byName.put(name, s);
        byAddress.put(address, s);
    }

    /** Marks [start, end) as kernel text (where kprobes may go). */
    public void addTextRange(long start, long end) {
        textRanges.put(start, end);
    }

    public boolean isText(long addr) {
        var e = textRanges.floorEntry(addr);
        return e != null && addr < e.getValue();
    }

    public Optional<Symbol> lookup(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Symbol require(String name) {
        Symbol s = byName.get(name);
        if (s == null) throw new IllegalArgumentException("unknown symbol '" + name + "'");
        return s;
    }

    /** The symbol whose extent holds `addr`. */
    public Optional<Symbol> containing(long addr) {
        var e = byAddress.floorEntry(addr);
        if (e == null || !e.getValue().contains(addr)) return Optional.empty();
        return Optional.of(e.getValue());
    }

    /** "name+0x3" or the bare hex address. */
    public String describe(long addr) {
        return containing(addr)
                .map(s -> addr == s.address() ? s.name() : s.name() + "+0x" + Long.toHexString(addr - s.address()))
                .orElse("0x" + Long.toHexString(addr));
    }

    public void blacklist(String name) {
        blacklist.add(name);
    }

    public boolean isBlacklisted(long addr) {
        return containing(addr).map(s -> blacklist.contains(s.name())).orElse(false);
    }

    public Iterable<Symbol> all() {
        return byName.values();
    }
}
