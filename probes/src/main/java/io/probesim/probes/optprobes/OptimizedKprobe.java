package io.probesim.probes.optprobes;

/**
 * struct optimized_kprobe: the region a probe's jump replaces, its original bytes, and the
 * arch part (arch_optimized_insn): the detour buffer and where the copied instructions start
 * in it. One per optimizable address; it outlives unoptimizing (sysctl 0, then 1 reuses it)
 * and ends with unregistration.
 */
public final class OptimizedKprobe {

    /** Where the probe is in its optimization. */
    public enum State {
        /** Prepared; hits take the int3 path. */
        NONE,
        /** Flagged OPTIMIZED, on the optimizing_list: hits run the detour copy, jump not written. */
        QUEUED,
        /** The jump is written. */
        OPTIMIZED
    }

    private final int id;
    private final long addr;
    private final int length;
    final byte[] original;
    private final long detour;
    private final long copy;
    State state = State.NONE;
    boolean detourFreed;
    /** Why the last try could not optimize (null when it could). */
    String refusal;

    public OptimizedKprobe(int id, long addr, int length, byte[] original, long detour, long copy) {
        this.id = id;
        this.addr = addr;
        this.length = length;
        this.original = original.clone();
        this.detour = detour;
        this.copy = copy;
    }

    /** The number the detour buffer passes to the optimized callback in rdi. */
    public int id() { return id; }
    public long address() { return addr; }
    /** Bytes of whole instructions the region covers (at least the 5 of the jump). */
    public int length() { return length; }
    /** The region's bytes before any probe (what the detour buffer copied). */
    public byte[] original() { return original.clone(); }
    /** optinsn.insn: the detour buffer. */
    public long detour() { return detour; }
    /** The copied instructions inside the detour buffer. */
    public long copy() { return copy; }
    public State state() { return state; }
    public boolean detourFreed() { return detourFreed; }

    /** Whether `ip` lies strictly inside the region (bytes 1..length-1). */
    public boolean strictlyInside(long ip) {
        return ip > addr && ip < addr + length;
    }

    @Override
    public String toString() {
        return "optimized_kprobe#" + id + "@0x" + Long.toHexString(addr) + "(" + state + ")";
    }
}
