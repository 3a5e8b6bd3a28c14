package io.probesim.probes.kprobes;

/**
 * struct jprobe (until v4.15): a kprobe at a function entry whose handler is a "mirror" function
 * with the probed function's arguments. The mirror runs on the probed function's stack and must
 * end in jprobe_return; the function then runs as if nothing had happened.
 */
public final class Jprobe {
    private final String symbol;
    private final long offset;
    private final long entry;
    Kprobe kp;

    /** A jprobe on `symbol` whose mirror starts at the kernel address `entry`. */
    public Jprobe(String symbol, long entry) {
        this(symbol, 0, entry);
    }

    /** At `symbol`+`offset`: registration refuses any offset but 0 (not a function entry). */
    public Jprobe(String symbol, long offset, long entry) {
        this.symbol = symbol;
        this.offset = offset;
        this.entry = entry;
    }

    public String symbol() { return symbol; }
    public long offset() { return offset; }
    /** The mirror function's address. */
    public long entry() { return entry; }
    /** The underlying kprobe (null before registration). */
    public Kprobe kprobe() { return kp; }
    public long nmissed() { return kp == null ? 0 : kp.nmissed(); }
    public boolean registered() { return kp != null && kp.registered(); }

    @Override
    public String toString() {
        return "jprobe " + symbol + (offset != 0 ? "+0x" + Long.toHexString(offset) : "");
    }
}
