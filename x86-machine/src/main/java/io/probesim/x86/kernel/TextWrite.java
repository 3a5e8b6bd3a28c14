package io.probesim.x86.kernel;

/**
 * One logical text write: [address, address + n) goes from its old bytes to its new bytes,
 * in one or more stores ({@link #store}), possibly through intermediate bytes (text_poke_bp's
 * int3), until {@link #end}. The stale-prefetch model judges what other CPUs execute meanwhile
 * against the old and new bytes (see {@link StalePrefetch}).
 *
 * <p>Issue 4's text_poke_smp and text_poke_bp are sequences of these calls:
 * <pre>
 *   TextWrite w = patcher.begin(ctx, addr, insn, "optimize");
 *   w.store(ctx, 0, {0xcc});        patcher.syncCore(ctx);      // int3 over the first byte
 *   w.store(ctx, 1, insn[1..]);     patcher.syncCore(ctx);      // the tail
 *   w.store(ctx, 0, {insn[0]});     patcher.syncCore(ctx);      // the first byte
 *   w.end(ctx);
 * </pre>
 */
public final class TextWrite {

    private final TextPatcher patcher;
    private final int id;
    private final long address;
    private final byte[] before;
    private final byte[] after;
    private final String why;
    private final int writer;
    private boolean ended;

    TextWrite(TextPatcher patcher, int id, long address, byte[] before, byte[] after, String why, int writer) {
        this.patcher = patcher;
        this.id = id;
        this.address = address;
        this.before = before.clone();
        this.after = after.clone();
        this.why = why;
        this.writer = writer;
    }

    /** Stores `bytes` at address + offset (inside the region); a point where other CPUs run. */
    public void store(HostContext ctx, int offset, byte[] bytes) {
        patcher.store(ctx, this, offset, bytes);
    }

    /** The write is complete: from now on, a CPU executing a copy of the old bytes has missed a serializing event. */
    public void end(HostContext ctx) {
        patcher.end(ctx, this);
    }

    public int id() { return id; }
    public long address() { return address; }
    public int length() { return after.length; }
    public String why() { return why; }
    /** The CPU whose task writes. */
    public int writer() { return writer; }
    public boolean ended() { return ended; }

    /** The region's byte at `addr` before the write (0..255). */
    int oldAt(long addr) { return before[(int) (addr - address)] & 0xff; }

    /** The region's byte at `addr` after the write (0..255). */
    int newAt(long addr) { return after[(int) (addr - address)] & 0xff; }

    /**
     * One byte, int3 replacing it or replaced by it (arm, disarm): atomic, and legal for a CPU to
     * execute either side of without a serializing event when it is an instruction's first
     * byte (Intel SDM vol. 3, 8.1.3; see {@link StalePrefetch}).
     */
    boolean int3Swap() {
        return after.length == 1 && ((before[0] & 0xff) == 0xcc || (after[0] & 0xff) == 0xcc);
    }

    boolean covers(long addr) {
        long d = addr - address;
        return d >= 0 && d < after.length;
    }

    void markEnded() { ended = true; }

    @Override
    public String toString() {
        return String.format("the %d-byte text write at 0x%x (%s) by cpu %d", after.length, address, why, writer);
    }
}
