package io.probesim.scenario;

/**
 * A script mistake found while the script runs, before its position is known. The loader (or
 * {@link HostTaskScript}) turns it into a {@link ScenarioException}: the line comes from this
 * exception's stack (the script's frame), the column from where {@code word} appears on that line.
 */
final class DslError extends RuntimeException {
    final String word;
    final String hint;
    /** Set when the position was recorded earlier (validation after the script ran). */
    final Pos pos;

    DslError(String message, String hint, String word) {
        this(message, hint, word, null);
    }

    DslError(String message, String hint, String word, Pos pos) {
        super(message);
        this.word = word;
        this.hint = hint;
        this.pos = pos;
    }

    /** A 1-based script position; 0 when unknown. */
    record Pos(int line, int column) {
        static final Pos UNKNOWN = new Pos(0, 0);
    }
}
