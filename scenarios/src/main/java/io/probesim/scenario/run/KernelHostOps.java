package io.probesim.scenario.run;

import groovy.lang.Closure;
import io.probesim.probes.kprobes.Jprobe;
import io.probesim.probes.kprobes.Jprobes;
import io.probesim.probes.kprobes.Kprobe;
import io.probesim.probes.kprobes.KprobeException;
import io.probesim.probes.kprobes.Kprobes;
import io.probesim.probes.kprobes.Kretprobe;
import io.probesim.probes.kprobes.KretprobeHandler;
import io.probesim.probes.kprobes.Kretprobes;
import io.probesim.probes.kprobes.PostHandler;
import io.probesim.probes.kprobes.PreHandler;
import io.probesim.probes.optprobes.Optprobes;
import io.probesim.scenario.HostOps;
import io.probesim.scenario.HostOpsException;
import io.probesim.scenario.HostTaskScript;
import io.probesim.x86.kernel.HostContext;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A host task's DSL verbs carried out on the simulated kernel, in that task's context. */
final class KernelHostOps implements HostOps {

    private static final Pattern TARGET = Pattern.compile("([A-Za-z_.$][\\w.$]*)\\s*(?:\\+\\s*(0x[0-9a-fA-F]+|\\d+))?");

    private final HostContext ctx;
    private final Kprobes kprobes;
    /** Null in an era without optprobes. */
    private final Optprobes optprobes;
    private final Kretprobes kretprobes;

    private Jprobes jprobes;

    KernelHostOps(HostContext ctx, Kprobes kprobes, Optprobes optprobes, Kretprobes kretprobes, Jprobes jprobes) {
        this(ctx, kprobes, optprobes, kretprobes);
        this.jprobes = jprobes;
    }

    KernelHostOps(HostContext ctx, Kprobes kprobes, Optprobes optprobes, Kretprobes kretprobes) {
        this.ctx = ctx;
        this.kprobes = kprobes;
        this.optprobes = optprobes;
        this.kretprobes = kretprobes;
    }

    @Override
    public Object kprobe(String target, Map<String, Object> options) {
        Matcher m = TARGET.matcher(target.trim());
        if (!m.matches()) {
            throw new HostOpsException("kprobe target '" + target + "' is not 'symbol' or 'symbol+offset'", "write e.g. 'target' or 'target+0x4'");
        }
        long offset = m.group(2) == null ? 0 : Long.decode(m.group(2));
        Kprobe p = Kprobe.at(m.group(1), offset, preHandler(options.get("pre")), postHandler(options.get("post")));
        try {
            kprobes.register(ctx, p);
        } catch (KprobeException e) {
            throw new HostOpsException("register_kprobe(" + target + ") failed with " + e.getMessage(), hintFor(e));
        }
        return p;
    }

    private static String hintFor(KprobeException e) {
        return switch (e.errno()) {
            case EILSEQ -> "a kprobe must sit on the first byte of an instruction";
            case ENOENT -> "the symbol must be a label of the scenario's text";
            default -> null;
        };
    }

    /** The closure's value is the handler's return value: non-zero means "I changed ip", as in the kernel. */
    private static PreHandler preHandler(Object handler) {
        if (handler == null) return null;
        Closure<?> c = (Closure<?>) handler;
        return (probe, regs) -> {
            Object r = HostTaskScript.callHandler(c, regs);
            return r instanceof Number n ? n.intValue() : 0;
        };
    }

    private static PostHandler postHandler(Object handler) {
        if (handler == null) return null;
        Closure<?> c = (Closure<?>) handler;
        return (probe, regs, flags) -> HostTaskScript.callHandler(c, regs);
    }

    @Override
    public Object kretprobe(String target, Map<String, Object> options) {
        Matcher m = TARGET.matcher(target.trim());
        if (!m.matches()) {
            throw new HostOpsException("kretprobe target '" + target + "' is not a function name", "write e.g. 'target'");
        }
        long offset = m.group(2) == null ? 0 : Long.decode(m.group(2));
        int maxactive = options.get("maxactive") instanceof Integer n ? n : 0;
        Kretprobe rp = new Kretprobe(m.group(1), offset, kretHandler(options.get("entry")), kretHandler(options.get("handler")), maxactive);
        try {
            kretprobes.register(ctx, rp);
        } catch (KprobeException e) {
            throw new HostOpsException("register_kretprobe(" + target + ") failed with " + e.getMessage(), switch (e.errno()) {
                case ENOENT -> "the symbol must be a label of the scenario's text";
                case EINVAL -> "a kretprobe must sit on a function's first instruction, not on a blacklisted function";
                default -> null;
            });
        }
        return rp;
    }

    /** The closure's value is the handler's return value: an entry handler's non-zero skips the call. */
    private static KretprobeHandler kretHandler(Object handler) {
        if (handler == null) return null;
        Closure<?> c = (Closure<?>) handler;
        return (ri, regs) -> {
            Object r = HostTaskScript.callHandler(c, regs);
            return r instanceof Number n ? n.intValue() : 0;
        };
    }

    @Override
    public void unregister(Object probe) {
        if (probe instanceof Jprobe jp) {
            try {
                jprobes.unregister(ctx, jp);
            } catch (KprobeException e) {
                throw new HostOpsException("unregister_jprobe(" + jp.symbol() + ") failed with " + e.getMessage(), null);
            }
            return;
        }
        if (probe instanceof Kretprobe rp) {
            try {
                kretprobes.unregister(ctx, rp);
            } catch (KprobeException e) {
                throw new HostOpsException("unregister_kretprobe(" + rp.symbol() + ") failed with " + e.getMessage(), null);
            }
            return;
        }
        if (!(probe instanceof Kprobe p)) {
            throw new HostOpsException("unregister needs a probe returned by kprobe or kretprobe, got " + probe, "keep the value of `def p = kprobe 'target'`");
        }
        try {
            kprobes.unregister(ctx, p);
        } catch (KprobeException e) {
            throw new HostOpsException("unregister_kprobe(" + p + ") failed with " + e.getMessage(), null);
        }
    }

    @Override
    public void sleep(long ps) {
        ctx.sleep(ps);
    }

    @Override
    public void log(String message) {
        ctx.log("log", "message", message);
    }

    @Override
    public void optimize(Object probe) {
        Kprobe p = probe("optimize", probe);
        try {
            optprobes("optimize").optimizeAndWait(ctx, p);
        } catch (KprobeException e) {
            throw new HostOpsException("optimize " + p + ": " + e.getMessage(), "see spec 3.1/3.2: no post handler, not disabled, a region of whole instructions");
        }
    }

    @Override
    public void unoptimize(Object probe) {
        optprobes("unoptimize").unoptimize(ctx, probe("unoptimize", probe));
    }

    @Override
    public void sysctl(String name, long value) {
        if (!Optprobes.SYSCTL.equals(name)) {
            throw new HostOpsException("unknown sysctl '" + name + "'", "the model has one: sysctl '" + Optprobes.SYSCTL + "', 0 or 1");
        }
        if (value != 0 && value != 1) {
            throw new HostOpsException("sysctl " + name + " takes 0 or 1, not " + value, null);
        }
        optprobes("sysctl").sysctl(ctx, value == 1);
    }

    private Optprobes optprobes(String word) {
        if (optprobes == null) {
            throw new HostOpsException(word + ": era " + kprobes.config().era().dslName() + " has no optprobes",
                    "optprobes arrived in 2010: use era '2010', '2017' or 'modern'");
        }
        return optprobes;
    }

    private static Kprobe probe(String word, Object probe) {
        if (!(probe instanceof Kprobe p)) {
            throw new HostOpsException(word + " needs a probe returned by kprobe, got " + probe, "keep the value of `def p = kprobe 'target'`");
        }
        return p;
    }

    @Override
    public void nmi(int cpu, long withinPs) {
        var kernel = ctx.kernel();
        if (cpu < 0 || cpu >= kernel.cpuCount()) {
            throw new HostOpsException("nmi: no cpu " + cpu + " (the machine has " + kernel.cpuCount() + ")", "cpus are numbered from 0");
        }
        long now = ctx.cpu().localTime();
        if (withinPs > 0) kernel.nmi().raiseWithin(cpu, now, now + withinPs);
        else kernel.nmi().raise(cpu, now);
        ctx.log("nmi-raised", "cpu", cpu);
    }

    @Override
    public Object jprobe(String target, String entry) {
        Matcher m = TARGET.matcher(target.trim());
        if (!m.matches()) {
            throw new HostOpsException("jprobe target '" + target + "' is not a function name", "write e.g. 'target'");
        }
        long offset = m.group(2) == null ? 0 : Long.decode(m.group(2));
        long mirror = ctx.kernel().symbols().lookup(entry).map(s -> s.address()).orElseThrow(() -> new HostOpsException(
                "jprobe " + target + ": its mirror '" + entry + "' is not a label of the text",
                "write the mirror in text: a function with the probed one's arguments ending in `call jprobe_return`"));
        Jprobe jp = new Jprobe(m.group(1), offset, mirror);
        try {
            jprobes.register(ctx, jp);
        } catch (KprobeException e) {
            throw new HostOpsException("register_jprobe(" + target + ") failed with " + e.getMessage(), switch (e.errno()) {
                case ENOENT -> "the symbol must be a label of the scenario's text";
                case EINVAL -> "a jprobe must sit on a function's first instruction";
                case EEXIST -> "one jprobe per function";
                default -> null;
            });
        }
        return jp;
    }
}
