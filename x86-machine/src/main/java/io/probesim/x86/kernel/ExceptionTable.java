package io.probesim.x86.kernel;

import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The kernel's exception table (search_exception_tables): for an instruction that may fault on
 * purpose (a user access), where to resume instead. Loaded objects add their __ex_table entries;
 * the trap layer consults it on a kernel-mode #PF or #GP before declaring an oops.
 */
public final class ExceptionTable {

    /**
     * One entry: the faulting instruction's address, the fixup's address, and the entry's type
     * (the kernel's EX_TYPE_*; 0 is the default handler: resume at the fixup).
     */
    public record Entry(long insn, long fixup, int type) {}

    private final TreeMap<Long, Entry> byInsn = new TreeMap<>();

    public void add(Entry e) {
        Entry old = byInsn.putIfAbsent(e.insn(), e);
        if (old != null && !old.equals(e)) {
            throw new IllegalArgumentException("two exception table entries for 0x" + Long.toHexString(e.insn()));
        }
    }

    public void addAll(List<Entry> entries) {
        for (Entry e : entries) add(e);
    }

    /** The entry for the instruction at `ip`, if it has one. */
    public Optional<Entry> search(long ip) {
        return Optional.ofNullable(byInsn.get(ip));
    }

    public int size() {
        return byInsn.size();
    }
}
