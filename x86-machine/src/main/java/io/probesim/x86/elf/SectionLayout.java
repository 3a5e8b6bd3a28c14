package io.probesim.x86.elf;

import io.probesim.x86.mem.Memory;
import net.fornwall.jelf.ElfSectionHeader;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the allocatable sections of a relocatable object go, relative to the object's base: text
 * (SHF_EXECINSTR) first, then read-only data, then writable data and the object's common symbols,
 * each group starting on a page of its own so that it can carry its permissions (R|X, R, R|W),
 * as the kernel's module loader groups sections by their flags. Within a group sections keep
 * their file order and alignment.
 */
final class SectionLayout {

    static final long SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;
    static final int SHT_NOBITS = 8;

    /**
     * One section's offset from the base. A common symbol gets a slot of its own with index
     * {@code -1 - symbolIndex} and the name COMMON.
     */
    record Slot(int index, String name, long offset, long size, int perms, boolean nobits, boolean executable) {}

    /** A page-aligned run of sections with the same permissions. */
    record Group(long offset, long size, int perms) {}

    /** An SHN_COMMON symbol: st_value is its alignment. */
    record Common(int symbolIndex, long size, long align) {}

    private final List<Slot> slots = new ArrayList<>();
    private final List<Group> groups = new ArrayList<>();
    private final long size;

    SectionLayout(ElfInput in, List<Common> commons) {
        long at = 0;
        for (int kind = 0; kind < 3; kind++) {
            long start = at;
            int perms = kind == 0 ? Memory.R | Memory.X : kind == 1 ? Memory.R : Memory.R | Memory.W;
            for (int i = 1; i < in.sectionCount(); i++) {
                ElfSectionHeader h = in.section(i).header;
                if ((h.sh_flags & SHF_ALLOC) == 0 || kindOf(h) != kind) continue;
                at = align(at, h.sh_addralign);
                slots.add(new Slot(i, in.sectionName(i), at, h.sh_size, perms, h.sh_type == SHT_NOBITS, kind == 0));
                at += h.sh_size;
            }
            if (kind == 2) {
                for (Common c : commons) {
                    at = align(at, c.align());
                    slots.add(new Slot(-1 - c.symbolIndex(), "COMMON", at, c.size(), perms, true, false));
                    at += c.size();
                }
            }
            if (at > start) {
                long end = pageUp(at);
                groups.add(new Group(start, end - start, perms));
                at = end;
            }
        }
        size = at;
    }

    private static int kindOf(ElfSectionHeader h) {
        if ((h.sh_flags & SHF_EXECINSTR) != 0) return 0;
        return (h.sh_flags & SHF_WRITE) == 0 ? 1 : 2;
    }

    private static long align(long at, long alignment) {
        long a = Math.max(1, alignment);
        return (at + a - 1) / a * a;
    }

    static long pageUp(long v) {
        return (v + Memory.PAGE_MASK) & ~Memory.PAGE_MASK;
    }

    List<Slot> slots() { return slots; }
    List<Group> groups() { return groups; }

    /** Bytes from the base to the end of the last group (a multiple of the page size). */
    long size() { return size; }

    /** The slot of a section (or of a common symbol, index -1 - symbolIndex); null when not allocated. */
    Slot slotOf(int index) {
        for (Slot s : slots) if (s.index() == index) return s;
        return null;
    }
}
