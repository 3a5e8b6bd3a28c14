package io.probesim.x86.kernel;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Kernel routines written in Java that x86 code reaches by address: a `call cond_resched`
 * in a workload, the interrupt return path, the idle loop. Each gets a 16-byte stub in
 * {@link Layout#NATIVE_TEXT} (or {@link Layout#NATIVE_TEXT_32} on a 32-bit machine); the stub is filled with int3 so that executing it as x86
 * (which would be a bug of ours) traps instead of running garbage.
 */
public final class Natives {

    /** A routine the CPU runs instead of fetching an instruction at its address. */
    @FunctionalInterface
    public interface Routine {
        void run(SimCpu cpu);
    }

    private static final int STUB = 16;

    /**
     * Every native routine in address order. Fixed, so that scenario text can be assembled
     * against kernel symbols (call cond_resched) before any kernel exists.
     */
    private static final List<String> LAYOUT = List.of(
            "trap_return", "host_resume", "cpu_idle", "task_exit", "nested_return", "cond_resched", "schedule",
            "nmi_return", "nmi_handler_builtin",
            "optimized_callback", "kretprobe_trampoline_handler", "jprobe_return",
            "do_int3");     // appended, so that every earlier routine keeps its address

    /** Routines x86 code may call, as kernel symbols. */
    public static final List<String> EXPORTED = List.of("cond_resched", "schedule", "jprobe_return");

    private final Routine[] routines = new Routine[LAYOUT.size()];
    private final long base;

    /** The 64-bit machine's natives. */
    public Natives() {
        this(Layout.NATIVE_TEXT);
    }

    public Natives(long base) {
        this.base = base;
    }

    /** A routine's address on a 64-bit machine. */
    public static long address(String name) {
        return address(name, Layout.NATIVE_TEXT);
    }

    private static long address(String name, long base) {
        int i = LAYOUT.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("no native routine " + name);
        return base + (long) i * STUB;
    }

    public long base() {
        return base;
    }

    /** The exported routines' addresses, for assembling scenario text. */
    public static Map<String, Long> exportedSymbols() {
        Map<String, Long> out = new TreeMap<>();
        for (String name : EXPORTED) out.put(name, address(name));
        return out;
    }

    public long define(String name, Routine routine) {
        long addr = address(name, base);
        int i = LAYOUT.indexOf(name);
        if (routines[i] != null) throw new IllegalStateException("native " + name + " defined twice");
        routines[i] = routine;
        return addr;
    }

    public boolean contains(long addr) {
        return addr >= base && addr < base + (long) LAYOUT.size() * STUB
                && (addr - base) % STUB == 0;
    }

    public Routine routineAt(long addr) {
        return routines[(int) ((addr - base) / STUB)];
    }

    public String nameAt(long addr) {
        return LAYOUT.get((int) ((addr - base) / STUB));
    }

    /** All routines as symbols (name -> address), in address order. */
    public Map<String, Long> symbols() {
        Map<String, Long> out = new java.util.LinkedHashMap<>();
        for (String name : LAYOUT) out.put(name, address(name, base));
        return out;
    }

    public long regionSize() {
        return Math.max(4096, (long) LAYOUT.size() * STUB);
    }

    /** The exported routines' addresses on a machine of `mode` (scenario or test text of that mode). */
    public static Map<String, Long> exportedSymbols(io.probesim.x86.decode.Mode mode) {
        Map<String, Long> out = new TreeMap<>();
        for (String name : EXPORTED) out.put(name, address(name, Layout.nativeText(mode)));
        return out;
    }
}
