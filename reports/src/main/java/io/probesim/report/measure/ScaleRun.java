package io.probesim.report.measure;

import io.probesim.probes.Era;
import io.probesim.probes.Knob;
import io.probesim.probes.ProbeConfig;
import io.probesim.probes.kprobes.Kprobe;
import io.probesim.probes.kprobes.Kprobes;
import io.probesim.probes.kprobes.x86.X86Kprobes;
import io.probesim.probes.optprobes.Optprobes;
import io.probesim.probes.optprobes.x86.X86Optprobes;
import io.probesim.sim.Simulation;
import io.probesim.sim.Time;
import io.probesim.sim.Violations;
import io.probesim.sim.explore.Strategies;
import io.probesim.sim.log.EventLog;
import io.probesim.x86.asm.Assembler;
import io.probesim.x86.asm.Assembly;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.kernel.HostContext;
import io.probesim.x86.kernel.HostTaskFailure;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.KernelConfig;
import io.probesim.x86.kernel.Layout;
import io.probesim.x86.mem.Memory;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * DESIGN.md's scale target: {@code n} kprobes registered on {@code n} functions of one machine
 * and all optimized (era 2010, CONFIG_PREEMPT off), then one call of every function runs through
 * its detour. The JMH benchmark times it; the spec checks it completes.
 */
public final class ScaleRun {
    private ScaleRun() {}

    /** What one run did. */
    public record Result(int registered, int optimized, long detourHits, long simulatedPs) {}

    /** n small functions f0..f(n-1), each with a 7-byte optimizable prologue region. */
    public static String text(int n) {
        StringBuilder b = new StringBuilder(n * 80);
        for (int i = 0; i < n; i++) {
            b.append('f').append(i).append(": push %rbp\n mov %rsp, %rbp\n mov %rdi, %rax\n pop %rbp\n ret\n");
        }
        return b.toString();
    }

    public static Result run(int n) {
        EventLog log = new EventLog();
        Simulation sim = new Simulation(Strategies.replay(new int[0]), log, 0);
        Violations violations = new Violations(sim, new LinkedHashSet<>());
        Memory mem = new Memory();
        Assembly asm = Assembler.assemble(text(n), Layout.KERNEL_TEXT, Mode.BITS64);
        mem.map(Layout.KERNEL_TEXT, asm.code().length, Memory.R | Memory.X);
        mem.poke(Layout.KERNEL_TEXT, asm.code());
        Kernel kernel = new Kernel(new KernelConfig(1, false, 1000, 1, 2330, Mode.BITS64), sim, mem, violations);
        asm.symbols().forEach(s -> kernel.symbols().add(s.name(), s.address(), s.size()));
        kernel.symbols().addTextRange(Layout.KERNEL_TEXT, Layout.KERNEL_TEXT + asm.code().length);
        Kprobes core = new Kprobes(kernel, new ProbeConfig(Era.E2010, EnumSet.noneOf(Knob.class)), X86Kprobes::new);
        Optprobes opt = new Optprobes(core, X86Optprobes::new, 0);
        long[] hits = {0};
        int[] counts = {0, 0};
        kernel.createHostTask("scale", 0, (HostContext ctx) -> {
            List<Kprobe> probes = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Kprobe p = Kprobe.at("f" + i, 0, (kp, regs) -> { hits[0]++; return 0; }, null);
                if (core.register(ctx, p) == 0) probes.add(p);
            }
            counts[0] = probes.size();
            ctx.waitUntil("all optimized", () -> probes.stream().allMatch(p -> opt.whyNotOptimized(p) == null));
            counts[1] = (int) probes.stream().filter(p -> opt.whyNotOptimized(p) == null).count();
            for (int i = 0; i < n; i++) ctx.call("f" + i, i);
            sim.stop("done");
        });
        kernel.boot();
        try {
            sim.run(Time.MS * 60_000);
        } catch (HostTaskFailure f) {
            if (f.getCause() instanceof RuntimeException r) throw r;
            throw f;
        } finally {
            kernel.shutdown();
        }
        return new Result(counts[0], counts[1], hits[0], kernel.cpu(0).localTime());
    }
}
