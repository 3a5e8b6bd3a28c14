package io.probesim.probes.kprobes;

/** register_kprobe refused: the kernel's errno name and why. */
public final class KprobeException extends RuntimeException {
    private final Errno errno;

    public KprobeException(Errno errno, String why) {
        super(errno + ": " + why);
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
