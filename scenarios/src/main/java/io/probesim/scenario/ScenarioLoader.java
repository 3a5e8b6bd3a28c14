package io.probesim.scenario;

import groovy.lang.GroovyShell;
import groovy.lang.Script;
import io.probesim.scenario.DslError.Pos;
import org.codehaus.groovy.control.CompilerConfiguration;
import org.codehaus.groovy.control.MultipleCompilationErrorsException;
import org.codehaus.groovy.control.customizers.ImportCustomizer;
import org.codehaus.groovy.control.messages.ExceptionMessage;
import org.codehaus.groovy.control.messages.Message;
import org.codehaus.groovy.control.messages.SyntaxErrorMessage;
import org.codehaus.groovy.syntax.SyntaxException;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Compiles and runs a scenario script into a {@link ScenarioDefinition}. Running the script
 * only records what it says; host task bodies are kept as closures, not run. Every mistake
 * comes out as a {@link ScenarioException} with file, line and column.
 */
public final class ScenarioLoader {
    private static final AtomicInteger SERIAL = new AtomicInteger();

    static {
        // Load every block so "'cpus' belongs in machine { }" hints know all words.
        DslBlock.ALL_BLOCKS.size();
        RootBlock.WORDS.size();
        ScenarioBlock.WORDS.size();
        MachineBlock.WORDS.size();
        ProbesBlock.WORDS.size();
        HostTaskDelegate.WORDS.size();
    }

    private ScenarioLoader() {}

    public static ScenarioDefinition load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ScenarioException(file.toString(), 0, 0, "no such scenario file", "list them with: probesim list scenarios");
        } catch (MalformedInputException e) {
            throw new ScenarioException(file.toString(), 0, 0, "the file is not UTF-8 text", null);
        } catch (IOException e) {
            throw new ScenarioException(file.toString(), 0, 0, "cannot read the file: " + e.getMessage(), null);
        }
        return load(file.toString(), file, text);
    }

    /** For tests and tools: {@code name} is used as the file name in messages. */
    public static ScenarioDefinition loadText(String name, String text) {
        return load(name, Path.of(name), text);
    }

    private static ScenarioDefinition load(String displayName, Path path, String text) {
        String base = path.getFileName() == null ? "scenario" : path.getFileName().toString();
        String defaultName = base.endsWith(".groovy") ? base.substring(0, base.length() - 7) : base;
        // Groovy names the script class after the file; a name that is not an identifier would
        // not compile, and a unique one keeps two scripts with the same file name apart.
        String frameFile = "Scenario_" + defaultName.replaceAll("[^A-Za-z0-9_]", "_") + "_" + SERIAL.incrementAndGet() + ".groovy";
        ScriptContext ctx = new ScriptContext(displayName, frameFile, path, text);

        ScenarioScript script = compile(ctx, text);
        RootBlock root = new RootBlock(ctx, script);
        script.setDelegate(root);
        script.context = ctx;
        try {
            script.run();
            if (root.scenarioValue == null) {
                throw new DslError("the script has no scenario { } block", "wrap the words in scenario { ... }",
                        null, new Pos(1, 1));
            }
            return root.scenarioValue.build(path, defaultName);
        } catch (RuntimeException | StackOverflowError e) {
            ScenarioException se = ctx.fromThrowable(e);
            if (se != null) {
                throw se;
            }
            throw e;
        }
    }

    private static ScenarioScript compile(ScriptContext ctx, String text) {
        CompilerConfiguration config = new CompilerConfiguration();
        config.setScriptBaseClass(ScenarioScript.class.getName());
        config.setSourceEncoding("UTF-8");
        ImportCustomizer imports = new ImportCustomizer();
        imports.addImports(SimDuration.class.getName());
        config.addCompilationCustomizers(imports, new SleepRewrite());
        GroovyShell shell = new GroovyShell(ScenarioLoader.class.getClassLoader(), config);
        try {
            Script s = shell.parse(text, ctx.frameFile);
            return (ScenarioScript) s;
        } catch (MultipleCompilationErrorsException e) {
            throw syntaxError(ctx, e);
        }
    }

    private static ScenarioException syntaxError(ScriptContext ctx, MultipleCompilationErrorsException e) {
        for (Message m : e.getErrorCollector().getErrors()) {
            if (m instanceof SyntaxErrorMessage sm) {
                SyntaxException se = sm.getCause();
                String msg = cleanSyntaxMessage(se.getOriginalMessage());
                return new ScenarioException(ctx.displayFile, se.getLine(), se.getStartColumn(),
                        "syntax error: " + msg, syntaxHint(msg, ctx, se), e);
            }
            if (m instanceof ExceptionMessage em) {
                return new ScenarioException(ctx.displayFile, 0, 0, "cannot compile: " + em.getCause().getMessage(), null, e);
            }
        }
        return new ScenarioException(ctx.displayFile, 0, 0, "cannot compile: " + e.getMessage(), null, e);
    }

    private static String cleanSyntaxMessage(String m) {
        // Groovy appends " @ line 3, column 5." which we already show in front.
        String s = m == null ? "" : m.replaceAll("\\s*@ line \\d+, column \\d+\\.?\\s*$", "").trim();
        return s.isEmpty() ? "unexpected input" : s;
    }

    private static String syntaxHint(String msg, ScriptContext ctx, SyntaxException se) {
        int line = se.getLine();
        String lower = msg.toLowerCase();
        String source = line > 0 && line <= ctx.lines.size() ? ctx.lines.get(line - 1) : "";
        if (lower.contains("eof") || lower.contains("end of file")) {
            return "a { or ( or a string quote is not closed";
        }
        int col = Math.max(0, se.getStartColumn() - 1);
        if (msg.startsWith("Unexpected input: '{'") && col < source.length() && source.charAt(col) == '{') {
            return "this { has no matching }";
        }
        if (count(source, '\'') % 2 == 1 && !source.contains("'''")) {
            return "a string on this line is not closed with '";
        }
        if (lower.contains("unexpected input: '}'") || lower.contains("unexpected character: '}'")) {
            return "a } has no matching {";
        }
        if (lower.contains("unexpected input")) {
            return "check the line just before: a missing comma, quote or bracket often shows up here";
        }
        return "check quotes, commas and brackets around here";
    }

    private static int count(String s, char c) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == c) {
                n++;
            }
        }
        return n;
    }
}
