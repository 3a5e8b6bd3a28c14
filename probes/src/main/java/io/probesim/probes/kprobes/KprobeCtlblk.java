package io.probesim.probes.kprobes;

/**
 * Per-CPU kprobe state: current_kprobe, the control block status, the flags saved at the hit,
 * and the one-level save area a reentrant hit uses.
 */
public final class KprobeCtlblk {
    Kprobe current;
    KprobeStatus status = KprobeStatus.NONE;
    long oldFlags;
    long savedFlags;

    Kprobe prevKprobe;
    KprobeStatus prevStatus = KprobeStatus.NONE;
    long prevOldFlags;
    long prevSavedFlags;

    public Kprobe current() { return current; }
    public KprobeStatus status() { return status; }
    public long oldFlags() { return oldFlags; }
    public long savedFlags() { return savedFlags; }
    public void setStatus(KprobeStatus s) { status = s; }

    /** save_previous_kprobe() */
    public void savePrevious() {
        prevKprobe = current;
        prevStatus = status;
        prevOldFlags = oldFlags;
        prevSavedFlags = savedFlags;
    }

    /** restore_previous_kprobe() */
    public void restorePrevious() {
        current = prevKprobe;
        status = prevStatus;
        oldFlags = prevOldFlags;
        savedFlags = prevSavedFlags;
        prevKprobe = null;
    }

    /** set_current_kprobe(): remembers TF|IF of the trapped context. */
    public void setCurrent(Kprobe p, long trappedFlags) {
        current = p;
        oldFlags = savedFlags = trappedFlags & (io.probesim.x86.kernel.SimCpu.TF | io.probesim.x86.kernel.SimCpu.IF);
    }

    public void resetCurrent() {
        current = null;
    }
}
