package io.probesim.sim.log;

/** A file that is not a probesim event log, has an unsupported version, or is damaged. */
public final class LogFormatException extends RuntimeException {
    public LogFormatException(String message) {
        super(message);
    }

    public LogFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
