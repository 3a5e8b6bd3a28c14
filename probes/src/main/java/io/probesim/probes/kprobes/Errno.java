package io.probesim.probes.kprobes;

/** The kernel errno values registration can return. */
public enum Errno {
    EINVAL(22), ENOENT(2), EILSEQ(84), ENOMEM(12), EEXIST(17), EOPNOTSUPP(95);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    /** The value register_kprobe returns: the negated errno. */
    public int returnValue() {
        return -number;
    }
}
