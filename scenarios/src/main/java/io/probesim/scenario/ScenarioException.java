package io.probesim.scenario;

/**
 * A mistake in a scenario script, told the way a compiler does:
 * {@code s1.groovy:12:5: unknown DSL word 'kprobee' (hint: did you mean 'kprobe'?)}.
 * Line and column are 1-based; 0 means unknown (then they are left out of the text).
 */
public final class ScenarioException extends RuntimeException {
    private final String file;
    private final int line;
    private final int column;
    private final String problem;
    private final String hint;

    public ScenarioException(String file, int line, int column, String message, String hint) {
        super(format(file, line, column, message, hint));
        this.file = file;
        this.line = line;
        this.column = column;
        this.problem = message;
        this.hint = hint;
    }

    public ScenarioException(String file, int line, int column, String message, String hint, Throwable cause) {
        this(file, line, column, message, hint);
        initCause(cause);
    }

    public String file() { return file; }
    public int line() { return line; }
    public int column() { return column; }
    /** The message without position and hint. */
    public String problem() { return problem; }
    /** May be null. */
    public String hint() { return hint; }

    private static String format(String file, int line, int column, String message, String hint) {
        StringBuilder sb = new StringBuilder(file == null ? "<script>" : file);
        if (line > 0) {
            sb.append(':').append(line);
            if (column > 0) {
                sb.append(':').append(column);
            }
        }
        sb.append(": ").append(message);
        if (hint != null && !hint.isEmpty()) {
            sb.append(" (hint: ").append(hint).append(')');
        }
        return sb.toString();
    }

    /** The compiler-style text, without the exception class name. */
    @Override
    public String toString() { return getMessage(); }
}
