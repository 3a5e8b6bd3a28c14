package io.probesim.scenario;

import groovy.lang.Closure;
import groovy.lang.GString;
import groovy.lang.Script;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The words of a host task's body; each forwards to {@link HostOps}. Plain Groovy (def, loops,
 * if) works around them.
 */
public final class HostTaskDelegate extends DslBlock {
    static final Map<String, String> WORDS = new LinkedHashMap<>();

    static {
        WORDS.put("kprobe", "def p = kprobe 'target', pre: { regs -> }, post: { regs -> }");
        WORDS.put("unregister", "unregister p");
        WORDS.put("sleep", "sleep 30.us");
        WORDS.put("log", "log 'text'");
        WORDS.put("optimize", "optimize p");
        WORDS.put("unoptimize", "unoptimize p");
        WORDS.put("sysctl", "sysctl 'debug.kprobes-optimization', 0");
        WORDS.put("kretprobe", "def rp = kretprobe 'fn', entry: { regs -> }, handler: { regs -> }, maxactive: 4");
        WORDS.put("nmi", "nmi cpu: 0   or   nmi cpu: 0, within: 2.us");
        WORDS.put("jprobe", "def jp = jprobe 'fn', entry: 'mirror'   (mirror: a label of the text ending in call jprobe_return)");
        register("a host task", WORDS);
    }

    private static final Set<String> KPROBE_OPTIONS = Set.of("pre", "post");
    private static final Set<String> KRETPROBE_OPTIONS = Set.of("entry", "handler", "maxactive");

    private final HostOps ops;

    HostTaskDelegate(ScriptContext ctx, Script script, HostOps ops) {
        super(ctx, script);
        this.ops = ops;
    }

    @Override String block() { return "a host task"; }
    @Override Map<String, String> words() { return WORDS; }

    public Object kprobe(Map<?, ?> opts, Object target) {
        checkKeys("kprobe", opts, KPROBE_OPTIONS);
        Map<String, Object> options = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : opts.entrySet()) {
            if (!(e.getValue() instanceof Closure<?>)) {
                throw wrong("kprobe", e.getKey() + ": expects a handler { regs -> ... }, not " + describe(e.getValue()));
            }
            options.put(String.valueOf(e.getKey()), e.getValue());
        }
        return ops.kprobe(stringArg("kprobe", target), options);
    }

    public Object kprobe(Object target) {
        return ops.kprobe(stringArg("kprobe", target), new LinkedHashMap<>());
    }

    public Object kretprobe(Map<?, ?> opts, Object target) {
        checkKeys("kretprobe", opts, KRETPROBE_OPTIONS);
        Map<String, Object> options = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : opts.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (key.equals("maxactive")) {
                int n = intArg("kretprobe", e.getValue());
                if (n < 0) {
                    throw wrong("kretprobe", "maxactive: expects 0 (the kernel's default) or more instances, not " + n);
                }
                options.put(key, n);
            } else if (e.getValue() instanceof Closure<?>) {
                options.put(key, e.getValue());
            } else {
                throw wrong("kretprobe", key + ": expects a handler { regs -> ... }, not " + describe(e.getValue()));
            }
        }
        return ops.kretprobe(stringArg("kretprobe", target), options);
    }

    public Object kretprobe(Object target) {
        return ops.kretprobe(stringArg("kretprobe", target), new LinkedHashMap<>());
    }

    public void unregister(Object probe) {
        if (probe == null) {
            throw wrong("unregister", "got null: the probe handle is not set");
        }
        ops.unregister(probe);
    }

    public void sleep(SimDuration d) {
        ops.sleep(d.ps());
    }

    /**
     * What {@code sleep x} in a script calls (see {@link SleepRewrite}): Groovy would otherwise
     * run its own sleep(long), a real Thread.sleep in milliseconds, on a bare number.
     */
    public void sleep$sim(Object d) {
        if (d instanceof SimDuration sd) {
            sleep(sd);
        } else if (d instanceof Number n) {
            throw wrong("sleep", "needs a duration with a unit, e.g. sleep " + n + ".us");
        } else {
            throw wrong("sleep", "expects a duration such as 30.us, not " + describe(d));
        }
    }

    public void log(Object message) {
        ops.log(message instanceof String || message instanceof GString ? message.toString() : String.valueOf(message));
    }

    public void optimize(Object probe) {
        if (probe == null) throw wrong("optimize", "got null: the probe handle is not set");
        ops.optimize(probe);
    }

    public void unoptimize(Object probe) {
        if (probe == null) throw wrong("unoptimize", "got null: the probe handle is not set");
        ops.unoptimize(probe);
    }

    public void sysctl(Object name, Object value) {
        if (!(value instanceof Number n)) throw wrong("sysctl", "expects a number, e.g. sysctl 'debug.kprobes-optimization', 0");
        ops.sysctl(stringArg("sysctl", name), n.longValue());
    }

    private static final Set<String> NMI_OPTIONS = Set.of("cpu", "within");

    public void nmi(Map<?, ?> opts) {
        checkKeys("nmi", opts, NMI_OPTIONS);
        if (!opts.containsKey("cpu")) throw wrong("nmi", "needs the cpu it arrives on, e.g. nmi cpu: 0");
        int cpu = intArg("nmi", opts.get("cpu"));
        long within = 0;
        if (opts.containsKey("within")) {
            if (!(opts.get("within") instanceof SimDuration d)) throw wrong("nmi", "within: expects a duration such as 2.us, not " + describe(opts.get("within")));
            within = d.ps();
        }
        ops.nmi(cpu, within);
    }

    public Object jprobe(Map<?, ?> opts, Object target) {
        checkKeys("jprobe", opts, Set.of("entry"));
        Object entry = opts.get("entry");
        if (!(entry instanceof CharSequence)) {
            throw wrong("jprobe", "entry: expects the mirror function's label, e.g. entry: 'mirror', not " + describe(entry));
        }
        return ops.jprobe(stringArg("jprobe", target), entry.toString());
    }

    public Object jprobe(Object target) {
        throw wrong("jprobe", "needs its mirror function: jprobe 'fn', entry: 'mirror'");
    }
}
