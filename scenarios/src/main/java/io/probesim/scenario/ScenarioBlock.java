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
        WORDS.put("at", "at 10.us { unregister p }   or   at 10.us, cpu: 1, name: 'late', { ... }");
        WORDS.put("invariant", "invariant 'two-hits', { state -> state.hits('target') <= 2 }");
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
    private final List<CustomInvariant> invariants = new ArrayList<>();
    /** check names not known when check ran: custom invariants declared further down, or mistakes. */
    private final Map<String, Pos> pendingChecks = new LinkedHashMap<>();
    private final Map<String, Pos> atPos = new LinkedHashMap<>();

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
            if (isCustom(n)) {
                if (!checks.contains(n)) checks.add(n);
                continue;
            }
            if (!Catalog.isInvariant(n)) {
                pendingChecks.putIfAbsent(n, ctx.findString(line, n));
                continue;
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

    private boolean isCustom(String n) {
        return invariants.stream().anyMatch(i -> i.name().equals(n));
    }

    /** {@code at 10.us { ... }} (Groovy hands it over as one value). */
    public void at(TimedBlock tb) { at(Map.of(), tb.time(), tb.body()); }

    public void at(Map<?, ?> opts, TimedBlock tb) { at(opts, tb.time(), tb.body()); }

    public void at(Object time, Closure<?> body) { at(Map.of(), time, body); }

    /** {@code at 10.us, cpu: 1, name: 'late', { ... }}: a host task that first sleeps until exactly that time. */
    public void at(Map<?, ?> opts, Object time, Closure<?> body) {
        checkKeys("at", opts, Set.of("cpu", "name"));
        if (time instanceof Number n) {
            throw wrong("at", "needs a time with a unit, e.g. at " + n + ".us { ... }");
        }
        SimDuration t = durationArg("at", time);
        String n = newTaskName(opts.containsKey("name") ? opts.get("name") : "at-" + t);
        int line = ctx.currentLine();
        int cpu = 0;
        if (opts.containsKey("cpu")) {
            cpu = intArg("at", opts.get("cpu"));
            taskCpuPos.put(n, ctx.find(line, "cpu"));
        } else {
            taskCpuPos.put(n, ctx.find(line, "at"));
        }
        atPos.put(n, ctx.find(line, "at"));
        tasks.add(new TaskDefinition.HostTask(n, cpu, body, line, t.ps()));
    }

    /** {@code invariant 'name', { state -> ... }} */
    public void invariant(Object invName, Closure<?> body) {
        String n = stringArg("invariant", invName);
        int line = ctx.currentLine();
        if (Catalog.isInvariant(n)) {
            throw new DslError("invariant '" + n + "' is a built-in invariant", "give your invariant another name, or write check '" + n + "'",
                    n, ctx.findString(line, n));
        }
        if (isCustom(n)) {
            throw new DslError("an invariant named '" + n + "' already exists", "give every invariant its own name", n, ctx.findString(line, n));
        }
        invariants.add(new CustomInvariant(n, body, line));
        pendingChecks.remove(n);
        if (!checks.contains(n)) checks.add(n);
    }

    /** {@code invariant 'name' { ... }} without a comma: Groovy calls a method named 'name' with the block, then invariant with its value. */
    public void invariant(Object pending) {
        if (pending instanceof PendingInvariant p) {
            invariant(p.name(), p.body());
            return;
        }
        throw wrong("invariant", "needs a name and a check block { state -> ... }");
    }

    record PendingInvariant(String name, Closure<?> body) {}

    @Override
    public Object methodMissing(String name, Object args) {
        Object[] a = args instanceof Object[] arr ? arr : new Object[]{args};
        int line = ctx.currentLine();
        if (a.length == 1 && a[0] instanceof Closure<?> c && line > 0 && line <= ctx.lines.size()
                && ctx.lines.get(line - 1).matches("\\s*invariant\\s+(['\"])" + java.util.regex.Pattern.quote(name) + "\\1\\s*\\{.*")) {
            return new PendingInvariant(name, c);
        }
        return super.methodMissing(name, args);
    }

    /** Checks that need the whole script, then freezes it. */
    ScenarioDefinition build(Path file, String defaultName) {
        MachineConfig m = machineValue.config();
        for (Map.Entry<String, Pos> e : pendingChecks.entrySet()) {
            String n = e.getKey();
            if (isCustom(n)) continue;
            List<String> known = new ArrayList<>(Catalog.invariantNames());
            invariants.forEach(i -> known.add(i.name()));
            throw new DslError("unknown invariant '" + n + "'",
                    Words.closest(n, known).map(c -> "did you mean '" + c + "'?")
                            .orElse("see: probesim list invariants, or declare it: invariant '" + n + "', { state -> ... }"), n, e.getValue());
        }
        for (TaskDefinition t : tasks) {
            if (t instanceof TaskDefinition.HostTask h && h.timed() && h.startPs() >= timeLimitPs) {
                throw new DslError("at " + SimDuration.ofPs(h.startPs()) + " is not before the time limit of a schedule ("
                        + SimDuration.ofPs(timeLimitPs) + ")", "use an earlier time or raise limits time: ...", "at", atPos.get(h.name()));
            }
        }
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
                tasks, checks, exploreValue, settlePs, timeLimitPs, file, measures, invariants);
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
