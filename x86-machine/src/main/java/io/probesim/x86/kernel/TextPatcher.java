package io.probesim.x86.kernel;

import io.probesim.x86.cpu.CycleCosts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

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
    /** text_poke_bp writes under way: {address of the int3, where a CPU hitting it goes}. */
    private final List<long[]> bpPokes = new ArrayList<>();

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
     * Modern text_poke() as arm and disarm use it (text_poke plus text_poke_sync): one store of
     * `bytes` at `addr`, then a core sync of every CPU; the write ends after the sync, so a CPU
     * that executed the old bytes meanwhile has done nothing wrong.
     */
    public void textPoke(HostContext ctx, long addr, byte[] bytes, String why) {
        TextWrite w = begin(ctx, addr, bytes, why);
        w.store(ctx, 0, bytes);
        syncCore(ctx);
        w.end(ctx);
    }

    /**
     * 2010 text_poke_smp(): the write under stop_machine (every other CPU parked in its stopper
     * with interrupts off, each serializing before it leaves; see {@link StopMachine}).
     * `stopMachine` false is S5's knob pokeWithoutStopMachine: the same stores with the other
     * CPUs running and no serialization. The bytes go in as memcpy stores them: 4-byte words,
     * then single bytes (a 5-byte jump is a 4-byte and a 1-byte store) [?], each a store of
     * its own, so another CPU can run between them.
     */
    public void textPokeSmp(HostContext ctx, long addr, byte[] bytes, String why, boolean stopMachine) {
        Consumer<HostContext> write = c -> {
            TextWrite w = begin(c, addr, bytes, why);
            int i = 0;
            for (; i + 4 <= bytes.length; i += 4) w.store(c, i, Arrays.copyOfRange(bytes, i, i + 4));
            for (; i < bytes.length; i++) w.store(c, i, new byte[] {bytes[i]});
            w.end(c);
        };
        if (stopMachine) {
            kernel.stopMachine().run(ctx, write);
        } else {
            write.accept(ctx);
        }
    }

    /**
     * text_poke_bp() (v3.12+): int3 over byte 0, sync cores; bytes 1..n-1, sync; byte 0, sync.
     * From the int3's store until the last sync, a CPU that hits the int3 at `addr` is sent to
     * `handlerIp` ({@link #pokeInt3Handler}, which the trap layer runs before any notifier).
     * `syncs` false is S6's knob pokeBpSkipSync: the same stores with no core sync between them.
     */
    public void textPokeBp(HostContext ctx, long addr, byte[] bytes, long handlerIp, String why, boolean syncs) {
        TextWrite w = begin(ctx, addr, bytes, why);
        long[] poke = {addr, handlerIp};
        bpPokes.add(poke);
        try {
            w.store(ctx, 0, new byte[] {(byte) 0xcc});
            if (syncs) syncCore(ctx);
            if (bytes.length > 1) {
                w.store(ctx, 1, Arrays.copyOfRange(bytes, 1, bytes.length));
                if (syncs) syncCore(ctx);
            }
            w.store(ctx, 0, new byte[] {bytes[0]});
            if (syncs) syncCore(ctx);
        } finally {
            bpPokes.remove(poke);
            w.end(ctx);
        }
    }

    /**
     * poke_int3_handler: an int3 at the address a text_poke_bp is writing sends the CPU to that
     * write's handler (the int3 was this patcher's, or stands where one is being replaced);
     * true when it did. Runs in do_int3 before the notifier chain.
     */
    boolean pokeInt3Handler(SimCpu sc, PtRegs regs) {
        if (bpPokes.isEmpty()) return false;
        long at = regs.getIp() - 1;
        for (long[] poke : bpPokes) {
            if (poke[0] == at) {
                regs.setIp(poke[1]);
                kernel.log(sc.id(), sc.current(), "poke-int3", "ip", "0x" + Long.toHexString(at),
                        "to", "0x" + Long.toHexString(poke[1]));
                return true;
            }
        }
        return false;
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
