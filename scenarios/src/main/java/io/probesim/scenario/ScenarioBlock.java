package io.probesim.scenario;

import groovy.lang.Closure;
import groovy.lang.Script;
import io.probesim.scenario.DslError.Pos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/** The words of {@code scenario { ... }}; {@link #build()} checks what needs the whole script. */
public final class ScenarioBlock extends DslBlock {
    static final Map<String, String> WORDS = new LinkedHashMap<>();

    static {
        WORDS.put("name", "name 'booster: unregister while a task is preempted in the slot'");
        WORDS.put("machine", "machine { cpus 2; bits 64; preempt true; tick hz: 1000; clock ghz: 2.33 }");
        WORDS.put("probes", "probes { era '2006'; knob 'boostPreemptible' }");
        WORDS.put("text", "text '''<x86 assembly, AT&T syntax>'''");
        WORDS.put("load", "load 'fixtures/funcs.o'");
        WORDS.put("task", "task 'worker', cpu: 0, entry: 'worker'   or   task 'tracer', cpu: 1, { ... }");
        WORDS.put("check", "check 'slot-not-freed-while-in-use', 'probe-transparency'");
        WORDS.put("explore", "explore strategy: 'pct', depth: 3, schedules: 5000, seed: 1");
        WORDS.put("limits", "limits settle: 20.us, time: 2.ms");
        WORDS.put("measure", "measure 'kprobe', variant: 'booster', at: 'my_func', call: 'driver', hits: 1000");
        register("scenario", WORDS);
    }

    private String nameValue;
    private MachineBlock machineValue;
    private ProbesBlock probesValue;
    private TextSource textValue;
    private final List<Path> objects = new ArrayList<>();
    private final List<TaskDefinition> tasks = new ArrayList<>();
    private final Map<String, Pos> taskCpuPos = new LinkedHashMap<>();
    private final List<String> checks = new ArrayList<>();
    private ExploreConfig exploreValue = ExploreConfig.DEFAULT;
    private long settlePs = ScenarioDefinition.DEFAULT_SETTLE_PS;
    private long timeLimitPs = ScenarioDefinition.DEFAULT_TIME_LIMIT_PS;
    private final List<MeasureDefinition> measures = new ArrayList<>();

    ScenarioBlock(ScriptContext ctx, Script script) {
        super(ctx, script);
        machineValue = new MachineBlock(ctx, script);
        probesValue = new ProbesBlock(ctx, script);
    }

    @Override String block() { return "scenario"; }
    @Override Map<String, String> words() { return WORDS; }

    public void name(Object n) { nameValue = stringArg("name", n); }

    public void machine(Closure<?> body) { runBlock(body, machineValue); }

    public void probes(Closure<?> body) { runBlock(body, probesValue); }

    public void text(Object source) {
        String s = stringArg("text", source);
        if (textValue != null) {
            throw wrong("text", "is given twice; put all the code in one text");
        }
        Pos start = ctx.literalStart(ctx.currentLine(), "text");
        textValue = new TextSource(s, start.line(), start.column());
    }

    public void load(Object file) {
        String f = stringArg("load", file);
        Path base = ctx.path == null || ctx.path.getParent() == null ? Path.of("") : ctx.path.getParent();
        objects.add(base.resolve(f).normalize());
    }

    /** {@code task 'worker', cpu: 0, entry: 'worker'} */
    public void task(Map<?, ?> opts, Object taskName) {
        checkKeys("task", opts, Set.of("cpu", "entry"));
        String n = newTaskName(taskName);
        if (!opts.containsKey("entry")) {
            throw wrong("task", "'" + n + "' needs entry: 'symbol' (x86 code) or a { } block (a host task)");
        }
        int line = ctx.currentLine();
        tasks.add(new TaskDefinition.X86Task(n, cpu(opts, n, line), stringArg("task", opts.get("entry")), line));
    }

    /** {@code task 'tracer', cpu: 1, { ... }} */
    public void task(Map<?, ?> opts, Object taskName, Closure<?> body) {
        checkKeys("task", opts, Set.of("cpu"));
        String n = newTaskName(taskName);
        int line = ctx.currentLine();
        tasks.add(new TaskDefinition.HostTask(n, cpu(opts, n, line), body, line));
    }

    private String newTaskName(Object taskName) {
        String n = stringArg("task", taskName);
        if (tasks.stream().anyMatch(t -> t.name().equals(n))) {
            throw new DslError("a task named '" + n + "' already exists", "give every task its own name", "'" + n + "'");
        }
        return n;
    }

    private int cpu(Map<?, ?> opts, String taskName, int line) {
        if (!opts.containsKey("cpu")) {
            throw wrong("task", "'" + taskName + "' needs cpu: N");
        }
        int cpu = intArg("task", opts.get("cpu"));
        taskCpuPos.put(taskName, ctx.find(line, "cpu"));
        return cpu;
    }

    public void check(Object... names) {
        if (names.length == 0) {
            throw wrong("check", "needs at least one invariant name");
        }
        int line = ctx.currentLine();
        for (Object o : names) {
            String n = stringArg("check", o);
            if (!Catalog.isInvariant(n)) {
                throw new DslError("unknown invariant '" + n + "'",
                        Words.closest(n, Catalog.invariantNames()).map(c -> "did you mean '" + c + "'?")
                                .orElse("see: probesim list invariants"), n, ctx.findString(line, n));
            }
            if (!Catalog.invariant(n).implemented()) {
                throw new DslError("invariant '" + n + "' is not checked by this version of probesim",
                        "checked now: " + String.join(", ", Catalog.INVARIANTS.stream()
                                .filter(Catalog.InvariantInfo::implemented).map(Catalog.InvariantInfo::name).toList()),
                        n, ctx.findString(line, n));
            }
            if (!checks.contains(n)) {
                checks.add(n);
            }
        }
    }

    public void explore(Map<?, ?> opts) {
        checkKeys("explore", opts, Set.of("strategy", "depth", "schedules", "seed"));
        String strategy = exploreValue.strategy();
        if (opts.containsKey("strategy")) {
            strategy = stringArg("explore", opts.get("strategy"));
            if (!Catalog.STRATEGIES.contains(strategy)) {
                throw new DslError("unknown strategy '" + strategy + "'",
                        "strategies: " + String.join(", ", Catalog.STRATEGIES), "'" + strategy + "'");
            }
        }
        int depth = opts.containsKey("depth") ? intArg("explore", opts.get("depth")) : exploreValue.depth();
        if (depth < 1) {
            throw wrong("explore", "depth is at least 1, not " + depth);
        }
        long schedules = opts.containsKey("schedules") ? longArg("explore", opts.get("schedules")) : exploreValue.schedules();
        if (schedules < 1) {
            throw wrong("explore", "schedules is at least 1, not " + schedules);
        }
        OptionalLong seed = opts.containsKey("seed") ? OptionalLong.of(longArg("explore", opts.get("seed"))) : exploreValue.seed();
        exploreValue = new ExploreConfig(strategy, depth, schedules, seed);
    }

    public void limits(Map<?, ?> opts) {
        checkKeys("limits", opts, Set.of("settle", "time"));
        if (opts.containsKey("settle")) {
            settlePs = durationArg("limits", opts.get("settle")).ps();
        }
        if (opts.containsKey("time")) {
            timeLimitPs = durationArg("limits", opts.get("time")).ps();
            if (timeLimitPs == 0) {
                throw wrong("limits", "time must be more than 0");
            }
        }
    }

    /** Checks that need the whole script, then freezes it. */
    ScenarioDefinition build(Path file, String defaultName) {
        MachineConfig m = machineValue.config();
        for (TaskDefinition t : tasks) {
            if (t.cpu() < 0 || t.cpu() >= m.cpus()) {
                throw new DslError("task '" + t.name() + "' runs on cpu " + t.cpu() + " but the machine has "
                        + m.cpus() + " CPU" + (m.cpus() == 1 ? "" : "s") + " (cpu 0.." + (m.cpus() - 1) + ")",
                        "use cpu: 0.." + (m.cpus() - 1) + " or raise machine { cpus N }", "cpu",
                        taskCpuPos.get(t.name()));
            }
            if (t instanceof TaskDefinition.X86Task x && textValue == null && objects.isEmpty()) {
                throw new DslError("task '" + x.name() + "' runs x86 code from '" + x.entry()
                        + "' but the scenario has no text or load", "add text '''...''' with the label "
                        + x.entry() + ":", "task", ctx.find(x.line(), "task"));
            }
        }
        for (MeasureDefinition md : measures) {
            if (textValue == null) {
                throw new DslError("measure calls '" + md.call() + "' but the scenario has no text",
                        "add text '''...''' with the label " + md.at() + ":", "measure", ctx.find(md.line(), "measure"));
            }
        }
        return new ScenarioDefinition(nameValue != null ? nameValue : defaultName, m, probesValue.config(), textValue, objects,
                tasks, checks, exploreValue, settlePs, timeLimitPs, file, measures);
    }

    /** Variants per mechanism that {@code measure} knows (the published tables' rows). */
    static final Map<String, List<String>> MEASURE_VARIANTS = Map.of(
            "kprobe", List.of("plain", "booster", "optimized", "post-handler"),
            "kretprobe", List.of("plain", "booster", "optimized"));

    public void measure(Map<?, ?> opts, Object mechanism) {
        checkKeys("measure", opts, Set.of("variant", "at", "call", "hits"));
        String mech = stringArg("measure", mechanism);
        List<String> variants = MEASURE_VARIANTS.get(mech);
        if (variants == null) {
            throw wrong("measure", "measures kprobe or kretprobe, not '" + mech + "'");
        }
        String variant = opts.containsKey("variant") ? stringArg("measure", opts.get("variant")) : "plain";
        if (!variants.contains(variant)) {
            throw wrong("measure", "knows the " + mech + " variants " + String.join(", ", variants) + ", not '" + variant + "'");
        }
        if (!opts.containsKey("at")) {
            throw wrong("measure", "needs at: 'function' (the function to probe)");
        }
        String at = stringArg("measure", opts.get("at"));
        String call = opts.containsKey("call") ? stringArg("measure", opts.get("call")) : at;
        long hits = opts.containsKey("hits") ? longArg("measure", opts.get("hits")) : 1000;
        if (hits < 1 || hits > 1_000_000) {
            throw wrong("measure", "hits is 1..1000000, not " + hits);
        }
        measures.add(new MeasureDefinition(mech, variant, at, call, hits, ctx.currentLine()));
    }
}
