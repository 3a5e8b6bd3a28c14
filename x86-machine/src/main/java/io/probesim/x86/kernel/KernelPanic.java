package io.probesim.x86.kernel;

/** The kernel cannot go on in the current task (an oops): the task is killed. */
public final class KernelPanic extends RuntimeException {
    public KernelPanic(String message) {
        super(message, null, false, false);
    }
}
