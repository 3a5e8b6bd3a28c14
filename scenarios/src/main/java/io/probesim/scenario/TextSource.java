package io.probesim.scenario;

/**
 * The assembly text of a scenario and where its literal starts in the script, so an assembler
 * error at (asmLine, asmColumn) can be shown at the script's line and column.
 *
 * @param source the text exactly as the script wrote it (no indentation stripped)
 * @param line   script line of the text's first character (1-based)
 * @param column script column of the text's first character (1-based); only the first text
 *               line is shifted, later lines start in column 1 of the script
 */
public record TextSource(String source, int line, int column) {

    /** Script line of the assembler's 1-based {@code asmLine}. */
    public int scriptLine(int asmLine) { return line + asmLine - 1; }

    /** Script column of the assembler's 1-based position. */
    public int scriptColumn(int asmLine, int asmColumn) {
        return asmLine == 1 ? column + asmColumn - 1 : asmColumn;
    }
}
