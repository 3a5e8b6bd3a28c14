package io.probesim.x86.kernel;

import io.probesim.sim.ChoiceKind;
import io.probesim.x86.cpu.Step;
import io.probesim.x86.decode.ByteSource;
import io.probesim.x86.decode.DecodeException;
import io.probesim.x86.decode.Decoder;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Mnemonic;
import io.probesim.x86.format.AttFormatter;
import io.probesim.x86.mem.Memory;
import io.probesim.x86.mem.MemoryFault;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cross-modifying code: the stale-prefetch model and the {@value #INVARIANT} invariant.
 *
 * <p>The rule modelled (Intel SDM vol. 3, 8.1.3, "Handling Self- and Cross-Modifying Code"):
 * a CPU that executes code another CPU wrote must execute a serializing instruction after the
 * write; until it does, it may still execute bytes it fetched before the write. Here:
 * <ul>
 * <li>A text write ({@link TextWrite}) takes a region from old to new bytes in one or more
 *     stores. At each store, every other CPU that may hold some of the changed bytes from an
 *     earlier fetch ({@link SimCpu#mayHold}: an instruction it executed since it last
 *     serialized, or bytes within {@link #LOOKAHEAD} of its rip) either sees the store or
 *     misses it: a Chooser choice ({@link ChoiceKind#DATA} of 2; 0, the default, sees it), so
 *     the explorer can vary it and a token replays it. A CPU that misses a store keeps its
 *     copies of those bytes (stale bytes) until it serializes. Stores are judged one by one, so
 *     a CPU can miss one store of a write and see the next.</li>
 * <li>Before a CPU that holds stale bytes (or while any write is under way) executes an
 *     instruction, the model decodes what it sees: its stale copy where it holds one, memory
 *     elsewhere. That view is <b>torn</b> when, for a tracked write, it holds a byte only the
 *     old contents have and a byte only the new contents have (an intermediate byte such as
 *     text_poke_bp's int3 counts as neither); it is <b>stale</b> when it uses a byte of a write
 *     that has ended. Either is a no-torn-fetch violation (the run stops there). Otherwise the
 *     CPU executes the view: its bytes stand in memory for that one step, no other CPU running
 *     meanwhile, and go back after it.</li>
 * <li>Serializing events drop a CPU's stale bytes: the kernel model's iret (trap and NMI
 *     return), an executed iretq or cpuid, the sync_core IPI ({@link TextPatcher#syncCore}).</li>
 * <li>The one exception ({@link TextWrite#int3Swap}): a write of a single byte whose old or new
 *     value is int3 (0xcc), the first byte of the instruction a CPU executes, is never torn nor
 *     stale. A one-byte store is atomic, and putting an int3 over an instruction's first byte (or
 *     the first byte back over the int3) is the modification the SDM's cross-modifying-code
 *     rule leaves legal without a serializing event on the executing CPU: a CPU that missed it
 *     executes the whole old instruction or the whole new one, both fine (arm and disarm write
 *     it with a plain store; text_poke_bp's protocol is built on it). The CPU still keeps its
 *     stale byte until it serializes, and runs it: a missed int3 is a missed hit, a stale int3
 *     after a disarm traps on a probe that is gone, which do_int3 handles. Multi-byte writes
 *     (text_poke_smp's jump, text_poke_bp's whole write, its int3 included) are judged as above.</li>
 * </ul>
 * The model runs only when {@value #INVARIANT} is checked. Otherwise every CPU sees each store
 * at once (one legal behaviour): nothing is tracked and no choice is drawn, so runs and replay
 * tokens of scenarios that do not check it are unchanged. Text written by emulated stores
 * (self-modifying x86 code) is not tracked: only the patcher's writes are. The instruction run
 * from a stale view must not write its own bytes (they are put back after the step).
 */
public final class StalePrefetch {

    public static final String INVARIANT = "no-torn-fetch";
    /** Bytes ahead of rip a CPU may have fetched already (one 16-byte fetch block). */
    public static final int LOOKAHEAD = 16;

    private final Kernel kernel;
    private final boolean enabled;
    /** Writes under way, and ended ones some CPU still holds stale bytes of, in start order. */
    private final List<TextWrite> writes = new ArrayList<>();
    private final StaleBytes[] stale;
    private int inProgress;

    // scratch of one view (the bytes the decoder read for one instruction)
    private final long[] viewAddr = new long[16];
    private final int[] viewByte = new int[16];
    private final TextWrite[] viewStale = new TextWrite[16];
    private int viewLen;
    private final byte[] one = new byte[1];
    // memory's bytes under a stale view being executed, put back after the step
    private long restoreAt;
    private byte[] restoreBytes;
    private Memory restoreMemory;

    StalePrefetch(Kernel kernel, boolean enabled) {
        this.kernel = kernel;
        this.enabled = enabled;
        this.stale = new StaleBytes[kernel.config().cpus()];
        for (int i = 0; i < stale.length; i++) stale[i] = new StaleBytes();
    }

    public boolean enabled() {
        return enabled;
    }

    /** Stale bytes `cpu` holds now (for specs and traces). */
    public int staleBytes(int cpu) {
        return stale[cpu].n;
    }

    // ------------------------------------------------------------------ hooks of the patcher

    void begin(TextWrite w) {
        if (!enabled) return;
        writes.add(w);
        inProgress++;
        updateChecks();
    }

    /**
     * Before `bytes` replace `old` at `at`: each other CPU that may hold some of the changed
     * bytes either sees the store or misses it, a choice; one that misses it keeps its copies of
     * those bytes until it serializes.
     */
    void beforeStore(SimCpu writer, TextWrite w, long at, byte[] old, byte[] bytes) {
        if (!enabled) return;
        for (int c = 0; c < stale.length; c++) {
            if (c == writer.id()) continue;                  // a CPU sees its own stores
            SimCpu sc = kernel.cpu(c);
            boolean holds = false;
            for (int i = 0; i < bytes.length && !holds; i++) holds = old[i] != bytes[i] && sc.mayHold(at + i, LOOKAHEAD);
            if (!holds || kernel.simulation().chooser().choose(ChoiceKind.DATA, 2) == 0) continue;
            for (int i = 0; i < bytes.length; i++) {
                if (old[i] != bytes[i] && sc.mayHold(at + i, LOOKAHEAD)) stale[c].add(at + i, old[i], w);
            }
            kernel.log(c, sc.current(), "stale-prefetch", "addr", "0x" + Long.toHexString(at), "write", w.why());
        }
        updateChecks();
    }

    void end(TextWrite w) {
        w.markEnded();
        if (!enabled) return;
        inProgress--;
        prune();
        updateChecks();
    }

    /** A serializing event on `sc`: it refetches everything from now on. */
    public void serialize(SimCpu sc) {
        sc.serialized();
        if (!enabled || stale[sc.id()].n == 0) return;
        stale[sc.id()].clear();
        prune();
        updateChecks();
    }

    // ------------------------------------------------------------------ hooks of the CPU

    /**
     * Before `sc` executes the instruction at its rip (only while sc.fetchCheck): the CPU decodes
     * its stale copy where it holds one, memory elsewhere. A view that uses stale bytes and is
     * neither torn nor stale-after-end is what the CPU executes: its bytes stand in memory for
     * this one step (no other CPU runs meanwhile) and go back after it.
     */
    void beforeFetch(SimCpu sc) {
        long rip = sc.cpu().rip;
        StaleBytes held = stale[sc.id()];
        Memory mem = sc.cpu().memory();
        viewLen = 0;
        ByteSource view = a -> viewByte(a, held, mem);
        Instruction insn = null;
        try {
            insn = Decoder.decode(view, rip, sc.cpu().mode());
        } catch (DecodeException | MemoryFault e) {
            // the CPU will raise #UD or #PF itself; the bytes read so far are still judged
        }
        int n = insn != null ? insn.length() : viewLen;
        boolean usedStale = false;
        for (int i = 0; i < viewLen && i < n; i++) usedStale |= viewStale[i] != null;
        if (!judge(sc, rip, n, insn) && usedStale && insn != null) substitute(mem, rip, n);
    }

    private void substitute(Memory mem, long rip, int n) {
        byte[] view = new byte[n];
        for (int i = 0; i < n; i++) view[i] = (byte) viewByte[i];
        restoreBytes = new byte[n];
        int got = mem.fetch(rip, restoreBytes, n);
        if (got < n) return;
        restoreAt = rip;
        restoreMemory = mem;
        mem.poke(rip, view);
    }

    /** After `sc` executed an instruction (only while sc.fetchCheck): memory's bytes back; iretq and cpuid serialize. */
    void afterStep(SimCpu sc, int result) {
        if (restoreMemory != null) {
            restoreMemory.poke(restoreAt, restoreBytes);
            restoreMemory = null;
            restoreBytes = null;
        }
        Instruction last = sc.cpu().lastInstruction();
        if (result == Step.OK && last != null && (last.mnemonic() == Mnemonic.IRET || last.mnemonic() == Mnemonic.CPUID)) {
            serialize(sc);
        }
    }

    private int viewByte(long a, StaleBytes held, Memory mem) {
        for (int i = 0; i < viewLen; i++) if (viewAddr[i] == a) return viewByte[i];   // the decoder may peek twice
        mem.fetch(a, one, 1);
        int fresh = one[0] & 0xff;
        int v = fresh;
        TextWrite from = null;
        int k = held.indexOf(a);
        if (k >= 0 && (held.value[k] & 0xff) != fresh) {
            v = held.value[k] & 0xff;
            from = held.write[k];
        }
        if (viewLen < viewAddr.length) {
            viewAddr[viewLen] = a;
            viewByte[viewLen] = v;
            viewStale[viewLen] = from;
            viewLen++;
        }
        return v;
    }

    /** Reports a torn or stale view of the n bytes at rip, if it is one; true when it did. */
    private boolean judge(SimCpu sc, long rip, int n, Instruction insn) {
        for (TextWrite w : writes) {
            boolean oldOnly = false, newOnly = false;
            for (int i = 0; i < viewLen; i++) {
                long a = viewAddr[i];
                if (a - rip >= n || !w.covers(a)) continue;
                int v = viewByte[i], o = w.oldAt(a), nw = w.newAt(a);
                if (v == o && v != nw) oldOnly = true;
                else if (v == nw && v != o) newOnly = true;
            }
            if (oldOnly && newOnly) {
                report(sc, "torn-fetch", "cpu " + sc.id() + " executed a torn instruction at " + where(rip, n, insn)
                        + ": it mixes old and new bytes of " + w + (w.ended() ? ", which has ended" : ", still under way"));
                return true;
            }
        }
        for (int i = 0; i < viewLen; i++) {
            TextWrite w = viewStale[i];
            if (w != null && w.ended() && viewAddr[i] - rip < n && !(w.int3Swap() && viewAddr[i] == rip)) {
                report(sc, "stale-fetch", "cpu " + sc.id() + " executed a stale copy of " + where(rip, n, insn)
                        + ", fetched before " + w + ", which has ended with no serializing event on cpu " + sc.id() + " since");
                return true;
            }
        }
        return false;
    }

    private String where(long rip, int n, Instruction insn) {
        int[] bytes = new int[Math.min(n, viewLen)];
        for (int i = 0; i < bytes.length; i++) bytes[i] = viewByte[i];
        StringBuilder hex = new StringBuilder();
        for (int b : bytes) hex.append(hex.length() == 0 ? "" : " ").append(String.format("%02x", b));
        String text = insn != null ? "  " + AttFormatter.format(insn).trim() : " (undecodable)";
        return "0x" + Long.toHexString(rip) + " <" + kernel.symbols().describe(rip) + ">: " + hex + text;
    }

    private void report(SimCpu sc, String kind, String message) {
        kernel.log(sc.id(), sc.current(), kind, "what", message);
        kernel.violations().report(INVARIANT, message, sc.id());
    }

    // ------------------------------------------------------------------ bookkeeping

    /** Drops ended writes no CPU holds stale bytes of. */
    private void prune() {
        writes.removeIf(w -> w.ended() && !referenced(w));
    }

    private boolean referenced(TextWrite w) {
        for (StaleBytes s : stale) if (s.references(w)) return true;
        return false;
    }

    private void updateChecks() {
        for (int c = 0; c < stale.length; c++) updateCheck(kernel.cpu(c));
    }

    private void updateCheck(SimCpu sc) {
        sc.fetchCheck = enabled && (inProgress > 0 || stale[sc.id()].n > 0);
    }

    /** The stale bytes one CPU holds: address, the value it fetched, the write whose store made it stale. */
    private static final class StaleBytes {
        long[] addr = new long[8];
        byte[] value = new byte[8];
        TextWrite[] write = new TextWrite[8];
        int n;

        int indexOf(long a) {
            for (int i = 0; i < n; i++) if (addr[i] == a) return i;
            return -1;
        }

        /** Keeps the first value: a byte stored twice is still held as fetched before the first store. */
        void add(long a, byte v, TextWrite w) {
            if (indexOf(a) >= 0) return;
            if (n == addr.length) {
                addr = Arrays.copyOf(addr, n * 2);
                value = Arrays.copyOf(value, n * 2);
                write = Arrays.copyOf(write, n * 2);
            }
            addr[n] = a;
            value[n] = v;
            write[n] = w;
            n++;
        }

        boolean references(TextWrite w) {
            for (int i = 0; i < n; i++) if (write[i] == w) return true;
            return false;
        }

        void clear() {
            Arrays.fill(write, 0, n, null);
            n = 0;
        }
    }
}
