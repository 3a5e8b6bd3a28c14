package io.probesim.scenario;

import groovy.lang.MissingMethodException;
import groovy.lang.MissingPropertyException;
import io.probesim.scenario.DslError.Pos;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One compiled script's identity and source, used to turn a run-time failure into a script
 * position. Groovy compiles the script with {@code frameFile} as its source file name, so any
 * stack frame with that file name is a line of this script.
 */
final class ScriptContext {
    final String displayFile;
    final String frameFile;
    final Path path;
    final List<String> lines;

    ScriptContext(String displayFile, String frameFile, Path path, String text) {
        this.displayFile = displayFile;
        this.frameFile = frameFile;
        this.path = path;
        this.lines = text.lines().toList();
    }

    /** The innermost script line on the current stack: the line of the DSL call being executed. */
    int currentLine() {
        return scriptLine(new Throwable().getStackTrace());
    }

    int scriptLine(StackTraceElement[] stack) {
        for (StackTraceElement e : stack) {
            if (frameFile.equals(e.getFileName()) && e.getLineNumber() > 0) {
                return e.getLineNumber();
            }
        }
        return 0;
    }

    boolean hasScriptFrame(Throwable t) { return scriptLine(t.getStackTrace()) > 0; }

    /** Position of {@code word} (a whole identifier, or any text when quoted) on a line. */
    Pos find(int line, String word) {
        return find(line, word, 1);
    }

    Pos find(int line, String word, int fromColumn) {
        if (line <= 0 || line > lines.size()) {
            return new Pos(line, 0);
        }
        String text = lines.get(line - 1);
        if (word != null && !word.isEmpty()) {
            Pattern p = Character.isJavaIdentifierPart(word.charAt(0))
                    ? Pattern.compile("(?<![\\w$])" + Pattern.quote(word) + "(?![\\w$])")
                    : Pattern.compile(Pattern.quote(word));
            Matcher m = p.matcher(text);
            if (m.find(Math.max(0, Math.min(text.length(), fromColumn - 1)))) {
                return new Pos(line, m.start() + 1);
            }
            if (word.length() > 1 && word.charAt(0) == '\'') {      // the script may use "..." instead
                return find(line, '"' + word.substring(1, word.length() - 1) + '"', fromColumn);
            }
        }
        int firstNonBlank = 0;
        while (firstNonBlank < text.length() && Character.isWhitespace(text.charAt(firstNonBlank))) {
            firstNonBlank++;
        }
        return new Pos(line, firstNonBlank + 1);
    }

    /** Position of a string argument on a line: the opening quote of 'name' or "name". */
    Pos findString(int line, String value) {
        Pos single = find(line, "'" + value + "'");
        if (matches(single, "'" + value + "'")) {
            return single;
        }
        Pos dbl = find(line, "\"" + value + "\"");
        return matches(dbl, "\"" + value + "\"") ? dbl : find(line, value);
    }

    private boolean matches(Pos p, String s) {
        return p.column() > 0 && p.line() <= lines.size()
                && lines.get(p.line() - 1).startsWith(s, p.column() - 1);
    }

    /**
     * Where the contents of the first string literal after {@code word} on {@code line} start
     * (the character after the opening quote), searching following lines too.
     */
    Pos literalStart(int line, String word) {
        Pos w = find(line, word);
        int col = w.column() > 0 ? w.column() - 1 + word.length() : 0;
        for (int l = line; l >= 1 && l <= lines.size(); l++) {
            String text = lines.get(l - 1);
            for (int i = (l == line ? col : 0); i < text.length(); i++) {
                if (text.startsWith("'''", i) || text.startsWith("\"\"\"", i)) {
                    return new Pos(l, i + 4);
                }
                char c = text.charAt(i);
                if (c == '\'' || c == '"') {
                    return new Pos(l, i + 2);
                }
            }
        }
        return new Pos(line, 1);
    }

    ScenarioException error(Pos pos, String message, String hint) {
        return new ScenarioException(displayFile, pos.line(), pos.column(), message, hint);
    }

    /**
     * Turns a failure of the script into a ScenarioException, or returns null when the failure
     * did not come from the script (then it is the framework's or the engine's, and is not
     * dressed up as the user's mistake).
     */
    ScenarioException fromThrowable(Throwable t) {
        if (t instanceof ScenarioException se) {
            return se;
        }
        if (t instanceof DslError e) {
            Pos pos = e.pos != null ? e.pos : find(scriptLine(e.getStackTrace()), e.word);
            return new ScenarioException(displayFile, pos.line(), pos.column(), e.getMessage(), e.hint, e);
        }
        if (t instanceof HostOpsException e) {
            int line = scriptLine(e.getStackTrace());
            return new ScenarioException(displayFile, line, find(line, null).column(), e.getMessage(), e.hint(), e);
        }
        if (!causedByScript(t)) {
            return null;
        }
        int line = scriptLine(t.getStackTrace());
        if (t instanceof MissingMethodException m) {
            return new ScenarioException(displayFile, line, find(line, m.getMethod()).column(),
                    "no method '" + m.getMethod() + "' for " + describe(m.getType()) + " with these arguments",
                    "check the spelling and the argument types", t);
        }
        if (t instanceof MissingPropertyException m) {
            return new ScenarioException(displayFile, line, find(line, m.getProperty()).column(),
                    "unknown name '" + m.getProperty() + "'", "is it a variable defined in another block?", t);
        }
        String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return new ScenarioException(displayFile, line, find(line, null).column(),
                "the script failed: " + msg, null, t);
    }

    private static String describe(Class<?> type) {
        return type == null ? "this value" : "a " + type.getSimpleName();
    }

    /**
     * True when the first frame that is neither Groovy's runtime, the JDK, nor this DSL package
     * belongs to the script: the script itself threw (or called something that does not exist).
     */
    boolean causedByScript(Throwable t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (frameFile.equals(e.getFileName())) {
                return true;
            }
            String c = e.getClassName();
            boolean plumbing = c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.")
                    || c.startsWith("groovy.") || c.startsWith("org.codehaus.groovy.") || c.startsWith("org.apache.groovy.")
                    || (c.startsWith("io.probesim.scenario.") && c.indexOf('.', "io.probesim.scenario.".length()) < 0);
            if (!plumbing) {
                return false;
            }
        }
        return false;
    }
}
