package io.probesim.x86.kernel;

import io.probesim.x86.cpu.CycleCosts;

import java.util.HexFormat;

/**
 * Writes to kernel text. The 2006 kernel armed and disarmed probes with a plain store and a
 * cache flush ({@link #poke}). Multi-step methods (issue 4's text_poke_smp and text_poke_bp)
 * are built from {@link #begin} (a {@link TextWrite} with its stores and end) and
 * {@link #syncCore}; every store is reported to the stale-prefetch model first, which is how
 * `no-torn-fetch` judges what other CPUs execute meanwhile. A store from a host task is a yield
 * point: its cost is charged after it, so other CPUs run meanwhile.
 */
public final class TextPatcher {

    private final Kernel kernel;
    private final long[] syncs;
    private int nextId = 1;

    TextPatcher(Kernel kernel) {
        this.kernel = kernel;
        this.syncs = new long[kernel.config().cpus()];
    }

    /** A plain store of `bytes` at `addr` (what 2006-era arm/disarm did): one write of one store. */
    public void poke(HostContext ctx, long addr, byte[] bytes, String why) {
        TextWrite w = begin(ctx, addr, bytes, why);
        w.store(ctx, 0, bytes);
        w.end(ctx);
    }

    /**
     * Modern text_poke(): the write of `bytes` at `addr` as one logical write, followed by a
     * core sync of every CPU. (Skeleton: a plain poke until the kernel branch lands.)
     */
    public void textPoke(HostContext ctx, long addr, byte[] bytes, String why) {
        poke(ctx, addr, bytes, why);
    }

    /**
     * 2010 text_poke_smp(): every other CPU parked by stop_machine (spinning with interrupts
     * off) while the caller writes, then each serializes. `stopMachine` false is S5's knob
     * pokeWithoutStopMachine: the same stores with the other CPUs running. (Skeleton: a plain
     * poke until the kernel branch lands.)
     */
    public void textPokeSmp(HostContext ctx, long addr, byte[] bytes, String why, boolean stopMachine) {
        poke(ctx, addr, bytes, why);
    }

    /**
     * text_poke_bp() (v3.12+): int3 over byte 0, sync cores; bytes 1..n-1, sync; byte 0, sync.
     * A CPU that hits the temporary int3 meanwhile is sent to `handlerIp`. `syncs` false is S6's
     * knob pokeBpSkipSync. (Skeleton: a plain poke until the kernel branch lands.)
     */
    public void textPokeBp(HostContext ctx, long addr, byte[] bytes, long handlerIp, String why, boolean syncs) {
        poke(ctx, addr, bytes, why);
    }

    /** Starts a logical write of `newBytes` at `addr`; nothing is stored yet. */
    public TextWrite begin(HostContext ctx, long addr, byte[] newBytes, String why) {
        if (newBytes.length == 0) throw new IllegalArgumentException("empty text write at 0x" + Long.toHexString(addr));
        byte[] old = kernel.memory().read(addr, newBytes.length);
        TextWrite w = new TextWrite(this, nextId++, addr, old, newBytes, why, ctx.cpu().id());
        kernel.prefetch().begin(w);
        return w;
    }

    void store(HostContext ctx, TextWrite w, int offset, byte[] bytes) {
        if (w.ended()) throw new IllegalStateException(w + " has ended");
        if (offset < 0 || bytes.length == 0 || offset + bytes.length > w.length())
            throw new IllegalArgumentException("store of " + bytes.length + " bytes at offset " + offset + " outside " + w);
        long at = w.address() + offset;
        byte[] old = kernel.memory().read(at, bytes.length);
        kernel.prefetch().beforeStore(ctx.cpu(), w, at, old, bytes);
        kernel.memory().poke(at, bytes);
        ctx.log("text-write", "addr", "0x" + Long.toHexString(at),
                "old", HexFormat.of().formatHex(old), "new", HexFormat.of().formatHex(bytes), "why", w.why());
        ctx.charge(CostTable.TEXT_POKE);
    }

    void end(HostContext ctx, TextWrite w) {
        if (w.ended()) return;
        kernel.prefetch().end(w);
    }

    /**
     * on_each_cpu(do_sync_core, NULL, 1), as text_poke_bp calls it: the calling CPU serializes,
     * every other CPU gets an IPI whose handler serializes (and so does the iret that ends it),
     * and the caller spins with preemption off until every one of them has run it. A CPU that
     * keeps interrupts off delays the caller, as on a real machine.
     */
    public void syncCore(HostContext ctx) {
        SimCpu self = ctx.cpu();
        long[] start = syncs.clone();
        long at = self.localTime();
        int others = 0;
        for (int c = 0; c < syncs.length; c++) {
            if (c == self.id()) continue;
            SimCpu target = kernel.cpu(c);
            kernel.simulation().at(at, () -> target.raiseIrq(SimCpu.SYNC_CORE_IPI, at));
            others++;
        }
        kernel.prefetch().serialize(self);        // the caller's own sync_core
        ctx.log("sync-core", "ipis", others);
        ctx.preemptDisable();
        ctx.charge(CostTable.IPI_SEND * Math.max(others, 1) + CycleCosts.SERIALIZING);
        while (!allSyncedSince(start, self.id())) ctx.charge(CostTable.CSD_WAIT_SPIN);
        ctx.preemptEnable();
        ctx.log("sync-core-done");
    }

    /** The sync_core IPI's handler on `sc` (interrupt context). */
    void syncCoreInterrupt(SimCpu sc) {
        kernel.prefetch().serialize(sc);
        syncs[sc.id()]++;
        sc.addCycles(CycleCosts.SERIALIZING);
    }

    /** Number of sync_core IPIs `cpu` has handled (for specs and traces). */
    public long syncCount(int cpu) {
        return syncs[cpu];
    }

    private boolean allSyncedSince(long[] start, int self) {
        for (int c = 0; c < start.length; c++) {
            if (c != self && syncs[c] == start[c]) return false;
        }
        return true;
    }
}
