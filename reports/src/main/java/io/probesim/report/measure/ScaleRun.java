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
 * and all optimized (era 2010, CONFIG_PREEMPT off), then a sample of the functions is called
 * once each. The JMH benchmark times it; the spec checks what it did.
 */
public final class ScaleRun {
    private ScaleRun() {}

    /**
     * What one run did.
     *
     * @param registered     probes register_kprobe accepted
     * @param optimized      probes whose jump was written once the optimizer had emptied its list
     * @param sampled        functions called once each after that
     * @param exactlyOnce    sampled probes whose handler ran exactly once, and unsampled ones not at all
     * @param returnedRight  sampled calls that returned their argument (the function still works)
     * @param handlerRuns    handler runs over all probes
     * @param optHits        hits that went through a detour buffer ({@code opt-hit} events)
     * @param int3Traps      int3 traps while the sample was called (0 when every jump is in)
     * @param optimizerRuns  runs of the kprobe_optimizer work item
     * @param optimizerWaits synchronize_sched calls by the optimizer's worker
     * @param stopMachines   stop_machine calls (2010: one per text_poke_smp)
     * @param events         events in the run's log
     * @param simulatedPs    simulated time at the end
     */
    public record Result(int registered, int optimized, int sampled, int exactlyOnce, int returnedRight,
                         long handlerRuns, long optHits, long int3Traps, int optimizerRuns, int optimizerWaits,
                         long stopMachines, int events, long simulatedPs) {}

    /** n small functions f0..f(n-1), each with a 7-byte optimizable prologue region. */
    public static String text(int n) {
        StringBuilder b = new StringBuilder(n * 80);
        for (int i = 0; i < n; i++) {
            b.append('f').append(i).append(": push %rbp\n mov %rsp, %rbp\n mov %rdi, %rax\n pop %rbp\n ret\n");
        }
        return b.toString();
    }

    /** The probed text assembled at kernel text, the machine's set-up rather than probe work (a benchmark prepares it once). */
    public static Assembly assemble(int n) {
        return Assembler.assemble(text(n), Layout.KERNEL_TEXT, Mode.BITS64);
    }

    /** About 100 probes called, spread over the whole range (every probe when n <= 100). */
    public static int defaultStride(int n) {
        return Math.max(1, n / 100);
    }

    public static Result run(int n) {
        return run(assemble(n), n, defaultStride(n));
    }

    /**
     * Registers a kprobe on each of the `n` functions of `text` (from {@link #assemble}), waits
     * until the optimizer's list is empty, then calls f0, f(stride), f(2*stride), ... once each.
     */
    public static Result run(Assembly text, int n, int stride) {
        return run(text, n, stride, () -> { });
    }

    /**
     * As {@link #run(Assembly, int, int)}; `whileLive` runs in the host task after the calls,
     * while the whole machine is reachable (a benchmark measures the heap it retains there).
     */
    public static Result run(Assembly text, int n, int stride, Runnable whileLive) {
        EventLog log = new EventLog();
        long[] events = new long[4];                   // opt-hit, int3 while calling, work-start, worker's waits
        boolean[] calling = {false};
        log.addListener(e -> {
            switch (e.kind()) {
                case "opt-hit" -> events[0]++;
                case "int3" -> { if (calling[0]) events[1]++; }
                case "work-start" -> { if (Optprobes.WORK.equals(e.field("name"))) events[2]++; }
                case "synchronize_sched" -> { if (e.task().startsWith("kworker/") && "start".equals(e.field("phase"))) events[3]++; }
                default -> { }
            }
        });
        Simulation sim = new Simulation(Strategies.replay(new int[0]), log, 0);
        Violations violations = new Violations(sim, new LinkedHashSet<>());
        Memory mem = new Memory();
        mem.map(Layout.KERNEL_TEXT, text.code().length, Memory.R | Memory.X);
        mem.poke(Layout.KERNEL_TEXT, text.code());
        Kernel kernel = new Kernel(new KernelConfig(1, false, 1000, 1, 2330, Mode.BITS64), sim, mem, violations);
        text.symbols().forEach(s -> kernel.symbols().add(s.name(), s.address(), s.size()));
        kernel.symbols().addTextRange(Layout.KERNEL_TEXT, Layout.KERNEL_TEXT + text.code().length);
        Kprobes core = new Kprobes(kernel, new ProbeConfig(Era.E2010, EnumSet.noneOf(Knob.class)), X86Kprobes::new);
        Optprobes opt = new Optprobes(core, X86Optprobes::new, 0);
        int[] hits = new int[n];
        int[] counts = new int[5];                     // registered, optimized, sampled, exactly once, returned right
        kernel.createHostTask("scale", 0, (HostContext ctx) -> {
            List<Kprobe> probes = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int index = i;
                Kprobe p = Kprobe.at("f" + i, 0, (kp, regs) -> { hits[index]++; return 0; }, null);
                if (core.register(ctx, p) == 0) probes.add(p);
            }
            counts[0] = probes.size();
            // The list empties when the optimizer has written every queued jump (one cheap test per wake-up).
            ctx.waitUntil("optimizing_list empty", () -> opt.queued() == 0);
            for (Kprobe p : probes) if (opt.whyNotOptimized(p) == null) counts[1]++;
            calling[0] = true;
            for (int i = 0; i < n; i += stride) {
                counts[2]++;
                if (ctx.call("f" + i, i) == i) counts[4]++;
            }
            calling[0] = false;
            whileLive.run();
            for (int i = 0; i < n; i++) {
                boolean sampled = i % stride == 0;
                if (sampled && hits[i] == 1) counts[3]++;
                if (!sampled && hits[i] != 0) counts[3]--;       // a handler that ran uncalled spoils the count
            }
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
        long handlerRuns = 0;
        for (int h : hits) handlerRuns += h;
        return new Result(counts[0], counts[1], counts[2], counts[3], counts[4], handlerRuns, events[0], events[1],
                (int) events[2], (int) events[3], kernel.stopMachine().generation(), log.size(), kernel.cpu(0).localTime());
    }
}
