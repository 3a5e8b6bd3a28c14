package io.probesim.x86.asm;

/** An assembly error at a 1-based line and column, with a hint for the fix. */
public final class AsmException extends RuntimeException {
    private final int line;
    private final int column;
    private final String hint;

    public AsmException(int line, int column, String hint) {
        super(line + ":" + column + ": " + hint);
        this.line = line;
        this.column = column;
        this.hint = hint;
    }

    public int line() { return line; }
    public int column() { return column; }
    public String hint() { return hint; }
}
