package io.probesim.probes.kprobes;

import io.probesim.x86.kernel.HostContext;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.Layout;
import io.probesim.x86.mem.Memory;

import java.util.ArrayList;
import java.util.List;

/**
 * kprobe_insn_cache: executable pages near kernel text cut into fixed-size slots, each CLEAN
 * (free), USED, or DIRTY (freed by a boosted probe: some CPU might still be in it, so it is
 * reused only after a garbage collection has waited for a quiescent period).
 */
public final class InsnSlots {

    public enum State { CLEAN, USED, DIRTY }

    /** Observes slots changing hands (the slot invariant). */
    public interface Listener {
        void handedOut(long slot, int size);

        void released(long slot, int size);
    }

    private static final int PAGE = 4096;

    private final Kernel kernel;
    private final int slotSize;
    private final long base;
    private final List<State[]> pages = new ArrayList<>();
    /** Per page, slots not CLEAN (kprobe_insn_page.nused): full pages are skipped without a scan. */
    private final List<int[]> notClean = new ArrayList<>();
    private int dirty;
    private final List<Listener> listeners = new ArrayList<>();

    private final String pageSymbol;

    public InsnSlots(Kernel kernel, long base, int slotSize, String pageSymbol) {
        this.kernel = kernel;
        this.base = base;
        this.slotSize = slotSize;
        this.pageSymbol = pageSymbol;
    }

    public static InsnSlots forKprobes(Kernel kernel, int slotSize) {
        return new InsnSlots(kernel, Layout.moduleSpace(kernel.config().mode()), slotSize, "kprobe_insn_page");
    }

    public void addListener(Listener l) {
        listeners.add(l);
    }

    public int slotSize() {
        return slotSize;
    }

    /** get_insn_slot(): the first clean slot; collects dirty ones (waiting) before growing. */
    public long get(HostContext ctx, Runnable waitForQuiescence) {
        long slot = firstClean();
        if (slot == 0 && hasDirty()) {
            collectGarbage(ctx, waitForQuiescence);
            slot = firstClean();
        }
        if (slot == 0) {
            long pageAddr = base + (long) pages.size() * PAGE;
            kernel.memory().map(pageAddr, PAGE, Memory.R | Memory.W | Memory.X);
            // Named, as kallsyms names it, so traces say where an address is (not kernel text).
            kernel.symbols().add(pages.isEmpty() ? pageSymbol : pageSymbol + pages.size(), pageAddr, PAGE);
            State[] states = new State[PAGE / slotSize];
            java.util.Arrays.fill(states, State.CLEAN);
            pages.add(states);
            notClean.add(new int[1]);
            slot = pageAddr;
        }
        set(slot, State.USED);
        ctx.log("slot-get", "slot", hex(slot));
        for (Listener l : listeners) l.handedOut(slot, slotSize);
        return slot;
    }

    /** free_insn_slot(): clean at once, or dirty when the probe was boosted (era-dependent). */
    public void free(HostContext ctx, long slot, boolean dirty) {
        if (state(slot) != State.USED) throw new IllegalStateException("slot " + hex(slot) + " freed twice");
        set(slot, dirty ? State.DIRTY : State.CLEAN);
        ctx.log("slot-free", "slot", hex(slot), "state", dirty ? "dirty" : "clean");
        if (!dirty) {
            for (Listener l : listeners) l.released(slot, slotSize);
        }
    }

    private void collectGarbage(HostContext ctx, Runnable waitForQuiescence) {
        ctx.log("slot-gc", "phase", "wait");
        waitForQuiescence.run();
        for (int p = 0; p < pages.size(); p++) {
            State[] states = pages.get(p);
            for (int i = 0; i < states.length; i++) {
                if (states[i] == State.DIRTY) {
                    long slot = base + (long) p * PAGE + (long) i * slotSize;
                    set(slot, State.CLEAN);
                    for (Listener l : listeners) l.released(slot, slotSize);
                }
            }
        }
        ctx.log("slot-gc", "phase", "done");
    }

    public State state(long slot) {
        int page = (int) ((slot - base) / PAGE);
        int index = (int) ((slot - base) % PAGE) / slotSize;
        return pages.get(page)[index];
    }

    private void set(long slot, State s) {
        int page = (int) ((slot - base) / PAGE);
        int index = (int) ((slot - base) % PAGE) / slotSize;
        State was = pages.get(page)[index];
        pages.get(page)[index] = s;
        notClean.get(page)[0] += (s != State.CLEAN ? 1 : 0) - (was != State.CLEAN ? 1 : 0);
        dirty += (s == State.DIRTY ? 1 : 0) - (was == State.DIRTY ? 1 : 0);
    }

    private long firstClean() {
        for (int p = 0; p < pages.size(); p++) {
            State[] states = pages.get(p);
            if (notClean.get(p)[0] == states.length) continue;
            for (int i = 0; i < states.length; i++) {
                if (states[i] == State.CLEAN) return base + (long) p * PAGE + (long) i * slotSize;
            }
        }
        return 0;
    }

    private boolean hasDirty() {
        return dirty > 0;
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
