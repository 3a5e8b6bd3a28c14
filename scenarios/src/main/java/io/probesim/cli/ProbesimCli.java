package io.probesim.cli;

import io.probesim.scenario.Catalog;
import io.probesim.scenario.ScenarioDefinition;
import io.probesim.scenario.ScenarioException;
import io.probesim.scenario.ScenarioLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The {@code probesim} command line (DESIGN.md, "CLI (binding contract)"). Exit status: 0 every
 * invariant held, 1 a violation, 2 a wrong scenario or wrong arguments, 3 an internal error.
 */
@Command(name = "probesim", mixinStandardHelpOptions = true, version = "probesim 0.1.0",
        description = "Deterministic simulator of SMP x86 machines running Linux kprobes.",
        subcommands = {ProbesimCli.Run.class, ProbesimCli.Explore.class, ProbesimCli.Replay.class, ProbesimCli.ListCmd.class,
                ProbesimCli.Disasm.class, ExecCommand.class, ReportCommand.class})
public final class ProbesimCli implements Runnable {
    public static final int OK = 0, VIOLATION = 1, USAGE = 2, INTERNAL = 3;
    /** Shipped scenarios, relative to the working directory (the repository root). Tests point it elsewhere. */
    static Path examples = Path.of("scenarios", "examples");

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT, description = "debug logging; stack traces of internal errors")
    boolean verbose;

    @Spec
    CommandLine.Model.CommandSpec spec;

    private final Supplier<Engine> engine;
    private final PrintStream terminal;
    /** The byte streams under the command line's writers: `exec` forwards a program's output as bytes. */
    final PrintStream rawOut, rawErr;

    private ProbesimCli(Supplier<Engine> engine, PrintStream terminal, PrintStream rawOut, PrintStream rawErr) {
        this.engine = engine;
        this.terminal = terminal;
        this.rawOut = rawOut;
        this.rawErr = rawErr;
    }

    public static void main(String[] args) {
        PrintStream term = System.console() != null ? System.err : null;
        System.exit(execute(ProbesimCli::serviceEngine, args, System.out, System.err, term));
    }

    /**
     * Runs one command line. {@code terminal}: where to draw a progress bar, or null for plain
     * progress lines on {@code err}.
     */
    public static int execute(Supplier<Engine> engine, String[] args, PrintStream out, PrintStream err, PrintStream terminal) {
        boolean verbose = List.of(args).contains("--verbose");
        if (verbose) {
            setRootLevelDebug();
        }
        PrintWriter o = new PrintWriter(out, true, StandardCharsets.UTF_8);
        PrintWriter e = new PrintWriter(err, true, StandardCharsets.UTF_8);
        CommandLine cl = new CommandLine(new ProbesimCli(engine, terminal, out, err));
        cl.setOut(o);
        cl.setErr(e);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof ScenarioException se) {
                e.println(se);
                return USAGE;
            }
            e.println("probesim: internal error: " + ex);
            e.println("please report this, with the command line and the scenario file"
                    + (verbose ? "" : " (add --verbose for the stack trace)"));
            if (verbose) {
                ex.printStackTrace(e);
            }
            return INTERNAL;
        });
        int code = cl.execute(args);
        o.flush();
        e.flush();
        return code;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Engine serviceEngine() {
        return ServiceLoader.load(Engine.class).findFirst().orElseThrow(
                () -> new IllegalStateException("no simulation engine in this build (no io.probesim.cli.Engine service)"));
    }

    private static void setRootLevelDebug() {
        Logger root = LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger lb) {
            lb.setLevel(ch.qos.logback.classic.Level.DEBUG);
        }
    }

    Engine engine() { return engine.get(); }

    // ---------------------------------------------------------------- shared options

    /** --era and --knob: switch the scenario's probe configuration. */
    static final class ProbeOptions {
        @Option(names = "--era", paramLabel = "E", description = "era: 2006, 2010, 2017 or modern")
        String era;

        @Option(names = "--knob", paramLabel = "NAME", description = "switch a safety measure off (repeatable; see: list knobs)")
        List<String> knobs = new ArrayList<>();

        Overrides overrides(CommandLine cmd) {
            if (era != null && !Catalog.isEra(era)) {
                throw new CommandLine.ParameterException(cmd, "unknown era '" + era + "' (eras: "
                        + String.join(", ", Catalog.eraNames()) + ")");
            }
            for (String k : knobs) {
                Catalog.Knob knob = Catalog.knob(k).orElseThrow(() -> new CommandLine.ParameterException(cmd,
                        "unknown knob '" + k + "' (see: probesim list knobs)"));
                if (!knob.implemented()) {
                    throw new CommandLine.ParameterException(cmd, "knob '" + k + "' is not implemented in this version");
                }
            }
            return new Overrides(era, knobs);
        }
    }

    abstract static class ScenarioCommand implements Callable<Integer> {
        @ParentCommand ProbesimCli cli;
        @Spec CommandLine.Model.CommandSpec spec;
        @Mixin ProbeOptions probeOptions = new ProbeOptions();

        @Parameters(index = "0", paramLabel = "SCENARIO", description = "the scenario script (.groovy)")
        Path scenario;

        PrintWriter out() { return spec.commandLine().getOut(); }

        ScenarioDefinition load() { return ScenarioLoader.load(scenario); }

        void printReport(String report) {
            if (report != null && !report.isEmpty()) {
                out().print(report.endsWith("\n") ? report : report + "\n");
            }
        }

        int finish(String violation, String token, String sha) {
            PrintWriter o = out();
            if (violation != null) {
                o.println("VIOLATION: " + violation);
            }
            if (token != null) {
                o.println("replay token: " + token);
            }
            o.println("event-log-sha256: " + sha);
            o.flush();
            return violation != null ? VIOLATION : OK;
        }
    }

    // ---------------------------------------------------------------- commands

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Run one schedule of a scenario.")
    static final class Run extends ScenarioCommand {
        @Option(names = "--seed", paramLabel = "N", description = "schedule seed (default: the scenario's, else 0)")
        Long seed;

        @Option(names = "--trace", paramLabel = "FILE.csv", description = "write the event log as CSV")
        Path trace;

        @Override
        public Integer call() {
            Overrides ov = probeOptions.overrides(spec.commandLine());
            ScenarioDefinition s = load();
            long sd = seed != null ? seed : s.explore().seed().orElse(0);
            RunOutcome r = cli.engine().run(s, ov, sd, trace);
            printReport(r.report());
            return finish(r.violation(), r.token(), r.eventLogSha256());
        }
    }

    @Command(name = "explore", mixinStandardHelpOptions = true, description = "Explore schedules until a violation or the budget ends.")
    static final class Explore extends ScenarioCommand {
        @Option(names = "--strategy", paramLabel = "random|pct|dfs", description = "exploration strategy (default: the scenario's)")
        String strategy;

        @Option(names = "--schedules", paramLabel = "N", description = "schedule budget (default: the scenario's)")
        Long schedules;

        @Option(names = "--seed", paramLabel = "N", description = "strategy seed (default: the scenario's, else 0)")
        Long seed;

        @Option(names = "--jobs", paramLabel = "N", description = "parallel workers (default: all cores; same results)")
        Integer jobs;

        @Option(names = "--time", paramLabel = "60s", converter = DurationConverter.class, description = "wall-time budget")
        Duration time;

        @Option(names = "--depth", paramLabel = "D", description = "PCT depth, or the dfs bound (default: the scenario's)")
        Integer depth;

        @Override
        public Integer call() {
            CommandLine cmd = spec.commandLine();
            Overrides ov = probeOptions.overrides(cmd);
            if (strategy != null && !Catalog.STRATEGIES.contains(strategy.toLowerCase(Locale.ROOT))) {
                throw new CommandLine.ParameterException(cmd, "unknown strategy '" + strategy + "' (random, pct or dfs)");
            }
            if (schedules != null && schedules < 1 || jobs != null && jobs < 1 || depth != null && depth < 1) {
                throw new CommandLine.ParameterException(cmd, "--schedules, --jobs and --depth must be at least 1");
            }
            ScenarioDefinition s = load();
            ExploreOptions opts = new ExploreOptions(
                    strategy != null ? strategy.toLowerCase(Locale.ROOT) : s.explore().strategy(),
                    schedules != null ? schedules : s.explore().schedules(),
                    seed != null ? seed : s.explore().seed().orElse(0),
                    jobs != null ? jobs : Runtime.getRuntime().availableProcessors(),
                    time,
                    depth != null ? depth : s.explore().depth());
            ExploreOutcome r;
            try (ProgressReporter progress = new ProgressReporter(cmd.getErr(), cli.terminal, opts.schedules())) {
                r = cli.engine().explore(s, ov, opts, progress);
            }
            printReport(r.report());
            out().printf(Locale.ROOT, "schedules: %d (%.1f/s), distinct interleavings: %d%n",
                    r.schedules(), r.schedulesPerSecond(), r.distinctInterleavings());
            if (r.violation() == null) {
                out().println("no violation in " + r.schedules() + " schedules");
            }
            return finish(r.violation(), r.violation() != null ? r.token() : null, r.eventLogSha256());
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true, description = "Re-execute a replay token bit for bit.")
    static final class Replay extends ScenarioCommand {
        @Option(names = "--token", paramLabel = "T", required = true, description = "the replay token printed by run or explore")
        String token;

        @Option(names = "--trace", paramLabel = "FILE.csv", description = "write the event log as CSV")
        Path trace;

        @Override
        public Integer call() {
            Overrides ov = probeOptions.overrides(spec.commandLine());
            ScenarioDefinition s = load();
            RunOutcome r = cli.engine().replay(s, ov, token, trace);
            printReport(r.report());
            return finish(r.violation(), null, r.eventLogSha256());
        }
    }

    enum What { scenarios, invariants, knobs, eras }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List scenarios, invariants, knobs or eras.")
    static final class ListCmd implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "scenarios|invariants|knobs|eras")
        What what;

        @Override
        public Integer call() throws IOException {
            PrintWriter o = spec.commandLine().getOut();
            switch (what) {
                case invariants -> Catalog.INVARIANTS.forEach(i -> o.printf("%-32s %-8s %s%n", i.name(),
                        i.implemented() ? "checked" : "not yet", i.holdsWhen()));
                case knobs -> Catalog.KNOBS.forEach(k -> o.printf("%-28s %-4s %-16s %s%n", k.name(), k.measure(),
                        k.implemented() ? "implemented" : "not yet", k.description()));
                case eras -> Catalog.ERAS.forEach(e -> o.printf("%-8s %s%n", e.name(), e.description()));
                case scenarios -> {
                    return listScenarios(o);
                }
            }
            o.flush();
            return OK;
        }

        private int listScenarios(PrintWriter o) throws IOException {
            if (!Files.isDirectory(examples)) {
                spec.commandLine().getErr().println("no " + examples + " folder here: run probesim from the repository root");
                return USAGE;
            }
            List<Path> files;
            try (Stream<Path> walk = Files.walk(examples)) {
                files = walk.filter(p -> p.toString().endsWith(".groovy")).sorted().toList();
            }
            for (Path f : files) {
                String name;
                try {
                    name = ScenarioLoader.load(f).name();
                } catch (ScenarioException e) {
                    name = "(does not load: " + e + ")";
                }
                o.println(f + "\t" + name);
            }
            o.flush();
            return OK;
        }
    }

    @Command(name = "disasm", mixinStandardHelpOptions = true,
            description = "Disassemble a file of raw bytes: address<TAB>length<TAB>hex bytes<TAB>instruction (AT&T, as objdump).")
    static final class Disasm implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "raw machine code (no ELF headers)")
        Path file;

        @Option(names = "--bits", paramLabel = "32|64", defaultValue = "64", description = "CPU mode (default: 64)")
        int bits;

        @Option(names = "--origin", paramLabel = "HEX", defaultValue = "0", description = "address of the first byte, hex (default: 0)")
        String origin;

        @Override
        public Integer call() throws IOException {
            PrintWriter err = spec.commandLine().getErr();
            if (bits != 32 && bits != 64) {
                err.println("--bits must be 32 or 64, not " + bits);
                return USAGE;
            }
            long start;
            try {
                start = Long.parseUnsignedLong(origin.startsWith("0x") || origin.startsWith("0X") ? origin.substring(2) : origin, 16);
            } catch (NumberFormatException e) {
                err.println("--origin '" + origin + "' is not a hex address (hint: --origin ffffffff81000000)");
                return USAGE;
            }
            if (!Files.isRegularFile(file)) {
                err.println(file + ": no such file");
                return USAGE;
            }
            PrintWriter o = spec.commandLine().getOut();
            io.probesim.x86.format.Disassembler.forEachLine(Files.readAllBytes(file), start,
                    bits == 64 ? io.probesim.x86.decode.Mode.BITS64 : io.probesim.x86.decode.Mode.BITS32, o::println);
            o.flush();
            return OK;
        }
    }

    /** For tests: the usage text. */
    static String usage() {
        StringWriter w = new StringWriter();
        new CommandLine(new ProbesimCli(() -> null, null, System.out, System.err)).usage(new PrintWriter(w));
        return w.toString();
    }
}
