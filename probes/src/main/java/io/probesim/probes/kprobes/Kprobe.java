package io.probesim.probes.kprobes;

import java.util.ArrayList;
import java.util.List;

/**
 * A kprobe: where (symbol + offset, or an address) and what runs there. After registration it
 * carries the kernel's per-probe state: the saved first byte, the arch part (slot, boostable),
 * nmissed. An aggregator is a kprobe of its own that stands in the hash table for several.
 */
public final class Kprobe {

    public static final int FLAG_GONE = 1, FLAG_DISABLED = 2, FLAG_OPTIMIZED = 4;

    private final String symbol;
    private final long offset;
    private final PreHandler preHandler;
    private final PostHandler postHandler;
    private String name;
    long addr;
    int flags;
    long nmissed;
    boolean registered;
    /** The byte int3 replaced. */
    byte opcode;
    /** arch_specific_insn: shared between an aggregator and its children. */
    ArchInsn ainsn;
    /** Non-null for an aggregator: its children in registration order. */
    List<Kprobe> list;

    public Kprobe(String symbol, long offset, long address, PreHandler pre, PostHandler post) {
        this.symbol = symbol;
        this.offset = offset;
        this.addr = address;
        this.preHandler = pre;
        this.postHandler = post;
    }

    public static Kprobe at(String symbol, long offset, PreHandler pre, PostHandler post) {
        return new Kprobe(symbol, offset, 0, pre, post);
    }

    static Kprobe aggregatorFor(Kprobe first) {
        Kprobe ap = new Kprobe(null, 0, first.addr, null, null);
        ap.name = first.name + "(aggr)";
        ap.opcode = first.opcode;
        ap.ainsn = first.ainsn;
        ap.list = new ArrayList<>();
        ap.registered = true;
        return ap;
    }

    public String symbol() { return symbol; }
    public long offset() { return offset; }
    public long address() { return addr; }
    public PreHandler preHandler() { return preHandler; }
    public long nmissed() { return nmissed; }
    public boolean registered() { return registered; }
    public String name() { return name; }
    public int flags() { return flags; }
    public ArchInsn ainsn() { return ainsn; }
    public byte savedOpcode() { return opcode; }
    void setName(String name) { this.name = name; }
    /** For the arch layer's prepare step. */
    public void setSavedOpcode(byte opcode) { this.opcode = opcode; }
    /** For the arch layer's prepare step. */
    public void setAinsn(ArchInsn ainsn) { this.ainsn = ainsn; }
    public boolean isAggregator() { return list != null; }
    public boolean disabled() { return (flags & FLAG_DISABLED) != 0; }
    /** KPROBE_FLAG_OPTIMIZED, set and cleared by the optimizer. */
    public void setOptimized(boolean on) { flags = on ? flags | FLAG_OPTIMIZED : flags & ~FLAG_OPTIMIZED; }
    public boolean optimized() { return (flags & FLAG_OPTIMIZED) != 0; }

    /** An aggregator has a post handler when any child has one. */
    public PostHandler postHandler() {
        if (list == null) return postHandler;
        for (Kprobe c : list) if (c.postHandler != null) return this::aggrPostHandler;
        return null;
    }

    public boolean hasPostHandler() {
        return postHandler() != null;
    }

    /** For an aggregator: children's pre handlers in order, stopping at the first non-zero. */
    public int callPreHandlers(io.probesim.x86.kernel.PtRegs regs, HitListener hits) {
        if (list == null) {
            hits.preHandler(this);
            return preHandler == null ? 0 : preHandler.handle(this, regs);
        }
        for (Kprobe c : list) {
            if ((c.flags & FLAG_DISABLED) != 0) continue;
            hits.preHandler(c);
            if (c.preHandler != null && c.preHandler.handle(c, regs) != 0) return 1;
        }
        return 0;
    }

    private void aggrPostHandler(Kprobe self, io.probesim.x86.kernel.PtRegs regs, long fl) {
        for (Kprobe c : list) {
            if ((c.flags & FLAG_DISABLED) == 0 && c.postHandler != null) c.postHandler.handle(c, regs, fl);
        }
    }

    /** kprobes_inc_nmissed_count(): a miss counts on every child of an aggregator. */
    public void incNmissed(HitListener hits) {
        if (list == null) {
            nmissed++;
            hits.missed(this);
            return;
        }
        for (Kprobe c : list) {
            c.nmissed++;
            hits.missed(c);
        }
    }

    /** Who observes handler calls and misses (the event log). */
    public interface HitListener {
        void preHandler(Kprobe p);

        void missed(Kprobe p);
    }

    /** struct kprobe's break_handler (jprobes, until v4.15): run by an int3 that hits no probe while this one is current. */
    private PreHandler breakHandler;

    /** An aggregator answers with its child's (at most one per address: a second one is EEXIST). */
    public PreHandler breakHandler() {
        if (list == null) return breakHandler;
        for (Kprobe c : list) if (c.breakHandler != null) return c.breakHandler;
        return null;
    }

    public void setBreakHandler(PreHandler h) { breakHandler = h; }

    @Override
    public String toString() {
        return name != null ? name : (symbol != null ? symbol + "+" + offset : "0x" + Long.toHexString(addr));
    }
}
