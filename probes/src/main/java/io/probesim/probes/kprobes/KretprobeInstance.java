package io.probesim.probes.kprobes;

import io.probesim.x86.kernel.Task;

/**
 * struct kretprobe_instance: one active call of a kretprobe'd function. It remembers the real
 * return address the entry replaced with the trampoline's, and where on the stack it sat.
 */
public final class KretprobeInstance {
    /** Null once the kretprobe was unregistered while this call was in flight (no handler then). */
    Kretprobe rp;
    Task task;
    long retAddr;
    /** Address of the stack slot that held the return address (the sp at function entry). */
    long stack;

    KretprobeInstance(Kretprobe rp) {
        this.rp = rp;
    }

    public Kretprobe kretprobe() { return rp; }
    public Task task() { return task; }
    /** The real return address (orig_ret_address / ret_addr). */
    public long retAddr() { return retAddr; }
    /** Where the return address sat: the stack pointer at the function's entry. */
    public long stack() { return stack; }

    /** For the arch layer's arch_prepare_kretprobe. */
    public void hijacked(long retAddr, long stack) {
        this.retAddr = retAddr;
        this.stack = stack;
    }
}
