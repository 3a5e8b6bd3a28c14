package io.probesim.x86.kernel;

/** A host task's own code threw: the scenario's mistake or a kernel routine refusing. */
public final class HostTaskFailure extends RuntimeException {
    private final String task;

    public HostTaskFailure(String task, Throwable cause) {
        super("host task '" + task + "' failed: " + cause.getMessage(), cause);
        this.task = task;
    }

    public String task() {
        return task;
    }
}
