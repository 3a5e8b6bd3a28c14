package io.probesim.scenario;

/**
 * Thrown by a {@link HostOps} implementation when a host task asked for something impossible
 * (an unknown symbol, a probe on a blacklisted address). {@link HostTaskScript#run} turns it
 * into a {@link ScenarioException} at the script line of the call. Any other exception thrown
 * by HostOps passes through untouched (it is the engine's business, not the script's).
 */
public class HostOpsException extends RuntimeException {
    private final String hint;

    public HostOpsException(String message, String hint) {
        super(message);
        this.hint = hint;
    }

    public String hint() { return hint; }
}
