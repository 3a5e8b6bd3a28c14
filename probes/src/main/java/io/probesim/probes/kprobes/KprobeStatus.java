package io.probesim.probes.kprobes;

/** kprobe_ctlblk status values, with the kernel's numbers. */
public enum KprobeStatus {
    NONE(0), HIT_ACTIVE(1), HIT_SS(2), REENTER(4), HIT_SSDONE(8);

    private final int value;

    KprobeStatus(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }
}
