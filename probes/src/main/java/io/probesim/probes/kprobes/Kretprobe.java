package io.probesim.probes.kprobes;

import java.util.ArrayDeque;

/**
 * struct kretprobe: a probe on a function's return. Its kprobe sits on the function entry;
 * `maxactive` instances are preallocated on a free list, and a call that finds none free is
 * not probed but counted in `nmissed`.
 */
public final class Kretprobe {
    private final String symbol;
    private final long offset;
    private final KretprobeHandler entryHandler;
    private final KretprobeHandler handler;
    int maxactive;
    long nmissed;
    Kprobe kp;
    final ArrayDeque<KretprobeInstance> free = new ArrayDeque<>();
    int inUse;

    /** `maxactive` <= 0 takes the kernel's default (see {@link Kretprobes#register}). */
    public Kretprobe(String symbol, KretprobeHandler entryHandler, KretprobeHandler handler, int maxactive) {
        this(symbol, 0, entryHandler, handler, maxactive);
    }

    /** At `symbol`+`offset`: registration refuses any offset but 0 (not a function entry). */
    public Kretprobe(String symbol, long offset, KretprobeHandler entryHandler, KretprobeHandler handler, int maxactive) {
        this.symbol = symbol;
        this.offset = offset;
        this.entryHandler = entryHandler;
        this.handler = handler;
        this.maxactive = maxactive;
    }

    public String symbol() { return symbol; }
    public long offset() { return offset; }
    public KretprobeHandler entryHandler() { return entryHandler; }
    public KretprobeHandler handler() { return handler; }
    /** After registration: the number of instances actually allocated. */
    public int maxactive() { return maxactive; }
    public long nmissed() { return nmissed; }
    /** The entry kprobe (null before registration). */
    public Kprobe kprobe() { return kp; }
    public boolean registered() { return kp != null && kp.registered(); }
    /** Instances taken by calls still in flight. */
    public int inUse() { return inUse; }

    @Override
    public String toString() {
        return "kretprobe " + symbol;
    }
}
