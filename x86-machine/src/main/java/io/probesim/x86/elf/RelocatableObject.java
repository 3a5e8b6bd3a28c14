package io.probesim.x86.elf;

import io.probesim.x86.decode.Mode;
import io.probesim.x86.kernel.ExceptionTable;
import io.probesim.x86.mem.Memory;
import net.fornwall.jelf.ElfException;
import net.fornwall.jelf.ElfRelocation;
import net.fornwall.jelf.ElfRelocationAddend;
import net.fornwall.jelf.ElfRelocationAddendSection;
import net.fornwall.jelf.ElfRelocationSection;
import net.fornwall.jelf.ElfSection;
import net.fornwall.jelf.ElfSymbol;
import net.fornwall.jelf.ElfSymbolTableSection;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * A relocatable object (ET_REL: a kernel module's .o) read and laid out, ready to be loaded at a
 * base address: {@link #loadAt} copies its allocatable sections there with their permissions,
 * resolves its symbols (undefined ones through the caller, as the kernel resolves a module's
 * imports against kallsyms), applies its relocations and parses its __ex_table.
 */
public final class RelocatableObject {

    private static final int SHT_RELA = 4, SHT_REL = 9;
    private static final int SHN_UNDEF = 0, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2;
    private static final int STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4;
    private static final int STB_LOCAL = 0, STB_WEAK = 2;
    /** __ex_table entry: insn offset, fixup offset (both relative to the field), type; 4 bytes each. */
    static final int EXTABLE_ENTRY = 12;

    private final ElfInput in;
    private final ElfSymbol[] symbols;
    private final SectionLayout layout;

    private RelocatableObject(ElfInput in) {
        this.in = in;
        ElfSymbolTableSection symtab;
        try {
            symtab = in.file().getSymbolTableSection();
        } catch (ElfException e) {
            throw new ElfLoadException(in.name() + ": unreadable symbol table: " + e.getMessage(), e);
        }
        this.symbols = symtab == null ? new ElfSymbol[0] : symtab.symbols;
        List<SectionLayout.Common> commons = new ArrayList<>();
        for (int i = 0; i < symbols.length; i++) {
            if (shndx(symbols[i]) == SHN_COMMON) commons.add(new SectionLayout.Common(i, symbols[i].st_size, symbols[i].st_value));
        }
        this.layout = new SectionLayout(in, commons);
    }

    /** Reads an ET_REL object for x86-64 or i386; refuses anything else with a clear message. */
    public static RelocatableObject read(byte[] bytes, String name) {
        return new RelocatableObject(ElfInput.parse(bytes, name, ElfInput.ET_REL));
    }

    public Mode mode() {
        return in.mode();
    }

    public String name() {
        return in.name();
    }

    /** Bytes the object occupies from its base (whole pages). */
    public long size() {
        return layout.size();
    }

    /**
     * Loads the object at `base` (page-aligned) into `memory`. `externals` resolves the symbols
     * the object uses but does not define; an unresolved strong reference is an error.
     */
    public LoadedObject loadAt(Memory memory, long base, Function<String, OptionalLong> externals) {
        if ((base & Memory.PAGE_MASK) != 0) throw new IllegalArgumentException("base 0x" + Long.toHexString(base) + " is not page-aligned");
        if (in.mode() == Mode.BITS32 && (base >>> 32) != 0) {
            throw new ElfLoadException(in.name() + ": an i386 object needs a 32-bit base, not 0x" + Long.toHexString(base));
        }
        List<SectionLayout.Slot> slots = layout.slots();
        byte[][] images = new byte[slots.size()][];
        for (int k = 0; k < slots.size(); k++) {
            SectionLayout.Slot s = slots.get(k);
            images[k] = s.nobits() ? new byte[(int) s.size()] : in.section(s.index()).getData();
        }
        long[] addresses = resolve(base, externals);
        relocate(base, images, addresses);

        for (SectionLayout.Group g : layout.groups()) memory.map(base + g.offset(), g.size(), g.perms());
        List<PlacedSection> placed = new ArrayList<>();
        List<ExceptionTable.Entry> extable = new ArrayList<>();
        for (int k = 0; k < slots.size(); k++) {
            SectionLayout.Slot s = slots.get(k);
            long at = base + s.offset();
            if (images[k].length > 0 && !s.nobits()) memory.poke(at, images[k]);
            if (s.index() >= 0) placed.add(new PlacedSection(s.index(), s.name(), at, s.size(), s.perms(), s.executable()));
            if (s.name().equals("__ex_table")) extable.addAll(parseExtable(images[k], at));
        }
        return new LoadedObject(in.name(), in.mode(), base, base + layout.size(), placed, definedSymbols(addresses), extable);
    }

    // ------------------------------------------------------------------ symbols

    private static int shndx(ElfSymbol s) {
        return s.st_shndx & 0xffff;
    }

    private static final long UNPLACED = Long.MIN_VALUE;

    /** Every symbol's address (UNPLACED for symbols in sections that are not loaded). */
    private long[] resolve(long base, Function<String, OptionalLong> externals) {
        long[] out = new long[symbols.length];
        List<String> missing = new ArrayList<>();
        for (int i = 1; i < symbols.length; i++) {
            ElfSymbol s = symbols[i];
            int sec = shndx(s);
            if (sec == SHN_UNDEF) {
                String name = symbolName(i);
                OptionalLong v = externals.apply(name);
                if (v.isPresent()) out[i] = v.getAsLong();
                else if (s.getBinding() == STB_WEAK) out[i] = 0;
                else missing.add(name);
            } else if (sec == SHN_ABS) {
                out[i] = s.st_value;
            } else if (sec == SHN_COMMON) {
                out[i] = base + layout.slotOf(-1 - i).offset();
            } else {
                SectionLayout.Slot slot = layout.slotOf(sec);
                out[i] = slot == null ? UNPLACED : base + slot.offset() + s.st_value;
            }
        }
        if (!missing.isEmpty()) {
            throw new ElfLoadException(in.name() + ": undefined symbol" + (missing.size() > 1 ? "s " : " ") + String.join(", ", missing)
                    + " (not defined by the object nor known to the kernel)"
                    + (missing.contains("_GLOBAL_OFFSET_TABLE_") ? "; the object uses a GOT: build it without -fpic/-fPIC" : ""));
        }
        return out;
    }

    private String symbolName(int i) {
        try {
            String n = symbols[i].getName();
            return n == null ? "" : n;
        } catch (ElfException e) {
            throw new ElfLoadException(in.name() + ": unreadable name of symbol " + i, e);
        }
    }

    private List<ObjectSymbol> definedSymbols(long[] addresses) {
        List<ObjectSymbol> out = new ArrayList<>();
        for (int i = 1; i < symbols.length; i++) {
            ElfSymbol s = symbols[i];
            int type = s.getType();
            int sec = shndx(s);
            if (type == STT_SECTION || type == STT_FILE || sec == SHN_UNDEF || sec == SHN_ABS || addresses[i] == UNPLACED) continue;
            String name = symbolName(i);
            if (name.isEmpty()) continue;
            ObjectSymbol.Kind kind = type == STT_FUNC ? ObjectSymbol.Kind.FUNC : type == STT_OBJECT ? ObjectSymbol.Kind.OBJECT : ObjectSymbol.Kind.OTHER;
            String section = sec == SHN_COMMON ? "COMMON" : in.sectionName(sec);
            out.add(new ObjectSymbol(name, addresses[i], s.st_size, kind, s.getBinding() != STB_LOCAL, section));
        }
        return out;
    }

    // ------------------------------------------------------------------ relocations

    private void relocate(long base, byte[][] images, long[] addresses) {
        List<SectionLayout.Slot> slots = layout.slots();
        for (int i = 1; i < in.sectionCount(); i++) {
            ElfSection sec = in.section(i);
            int type = sec.header.sh_type;
            if (type != SHT_REL && type != SHT_RELA) continue;
            int target = sec.header.sh_info;
            SectionLayout.Slot slot = layout.slotOf(target);
            if (slot == null) continue;                       // relocations of a section that is not loaded (debug info)
            int k = slots.indexOf(slot);
            String relName = in.sectionName(i);
            if (type == SHT_RELA && in.mode() == Mode.BITS32 || type == SHT_REL && in.mode() == Mode.BITS64) {
                throw new ElfLoadException(in.name() + ": " + relName + ": " + (type == SHT_REL ? "REL" : "RELA")
                        + " relocations in a " + (in.mode() == Mode.BITS64 ? "64" : "32") + "-bit object (the psABI uses "
                        + (in.mode() == Mode.BITS64 ? "RELA" : "REL") + ")");
            }
            if (sec instanceof ElfRelocationAddendSection rela) {
                for (ElfRelocationAddend r : rela.relocations) {
                    applyOne(slot, images[k], base, (int) r.getType(), r.r_offset, r.getSymbolIndex(), r.r_addend, false, addresses);
                }
            } else if (sec instanceof ElfRelocationSection rel) {
                for (ElfRelocation r : rel.relocations) {
                    applyOne(slot, images[k], base, (int) r.getType(), r.r_offset, r.getSymbolIndex(), 0, true, addresses);
                }
            } else {
                throw new ElfLoadException(in.name() + ": " + relName + ": unreadable relocation section");
            }
        }
    }

    private void applyOne(SectionLayout.Slot slot, byte[] image, long base, int type, long offset, int sym, long addend,
                          boolean implicit, long[] addresses) {
        String symName = sym > 0 && sym < symbols.length ? describeSymbol(sym) : "symbol " + sym;
        String where = in.name() + ": " + slot.name() + "+0x" + Long.toHexString(offset) + " against " + symName;
        if (sym < 0 || sym >= symbols.length) throw new ElfLoadException(where + ": no such symbol");
        if (offset < 0 || offset >= image.length) {
            throw new ElfLoadException(where + ": offset outside the section (" + image.length + " bytes)");
        }
        long s = sym == 0 ? 0 : addresses[sym];
        if (s == UNPLACED) throw new ElfLoadException(where + ": the symbol lies in a section that is not loaded");
        long a = addend;
        if (implicit && Relocator.implicitAddendWidth(in.mode(), type) == 4) {
            if (offset + 4 > image.length) throw new ElfLoadException(where + ": addend outside the section");
            a = Relocator.read32(image, (int) offset);
        }
        long p = base + slot.offset() + offset;
        Relocator.apply(in.mode(), type, image, (int) offset, s, a, p, where);
    }

    private String describeSymbol(int sym) {
        if (symbols[sym].getType() == STT_SECTION) {
            int sec = shndx(symbols[sym]);
            return sec > 0 && sec < in.sectionCount() ? in.sectionName(sec) : "section " + sec;
        }
        return symbolName(sym);
    }

    // ------------------------------------------------------------------ __ex_table

    private List<ExceptionTable.Entry> parseExtable(byte[] image, long at) {
        if (image.length % EXTABLE_ENTRY != 0) {
            throw new ElfLoadException(in.name() + ": __ex_table is " + image.length + " bytes, not a multiple of "
                    + EXTABLE_ENTRY + " (relative entries: insn, fixup, type)");
        }
        List<ExceptionTable.Entry> out = new ArrayList<>();
        long mask = in.mode() == Mode.BITS64 ? -1L : 0xffffffffL;
        for (int o = 0; o < image.length; o += EXTABLE_ENTRY) {
            long entry = at + o;
            long insn = (entry + Relocator.read32(image, o)) & mask;
            long fixup = (entry + 4 + Relocator.read32(image, o + 4)) & mask;
            int type = (int) Relocator.read32(image, o + 8);
            out.add(new ExceptionTable.Entry(insn, fixup, type));
        }
        return out;
    }
}
