package io.probesim.report.measure;

import io.probesim.probes.ProbeConfig;
import io.probesim.probes.Knob;
import io.probesim.probes.kprobes.Kprobes;
import io.probesim.probes.kprobes.Kretprobes;
import io.probesim.probes.kprobes.x86.X86Kretprobes;
import io.probesim.probes.optprobes.Optprobes;
import io.probesim.probes.optprobes.x86.X86Optprobes;
import io.probesim.probes.kprobes.x86.X86Kprobes;
import io.probesim.sim.Simulation;
import io.probesim.sim.Time;
import io.probesim.sim.Violations;
import io.probesim.sim.explore.Strategies;
import io.probesim.sim.log.EventLog;
import io.probesim.x86.asm.Assembler;
import io.probesim.x86.asm.Assembly;
import io.probesim.x86.cost.CostModel;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.kernel.HostContext;
import io.probesim.x86.kernel.HostTaskFailure;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.KernelConfig;
import io.probesim.x86.kernel.Layout;
import io.probesim.x86.kernel.SimCpu;
import io.probesim.x86.mem.Memory;

import java.util.EnumSet;
import java.util.LinkedHashSet;

/**
 * Measures a timing case on the simulated machine: one CPU, the workload at kernel text, a host
 * task that attaches the probe, warms it up (the first hit of a boostable probe single-steps to
 * measure the copy) and then calls the target {@code hits} times; the same without the probe;
 * per hit = the difference / hits. A window of counted calls that a timer tick fell into is
 * counted again, so neither run's figure holds cycles that are not the probe's.
 */
public final class TimingBench {
    /** Calls before counting: enough for a boostable copy to be measured and armed. */
    static final int WARMUP = 2;
    private static final int CLOCK_MHZ = 2330;
    /**
     * 100 Hz: a window of a thousand hits is a few million cycles, well inside a 23.3-million-cycle
     * tick period, and the optimizer's delay (five jiffies) passes in 50 ms of simulated time.
     */
    private static final int TICK_HZ = 100;

    private final CostModel costs;

    public TimingBench(CostModel costs) {
        this.costs = costs;
    }

    public CostModel costs() { return costs; }

    public Measurement measure(TimingCase tc, Workload w, int hits) {
        if (hits < 1) throw new IllegalArgumentException("hits must be at least 1, was " + hits);
        Counts probed = run(tc, w, hits, true);
        Counts bare = run(tc, w, hits, false);
        return new Measurement(tc, hits,
                (probed.cycles - bare.cycles) / (double) hits,
                (probed.insns - bare.insns) / (double) hits,
                (probed.traps - bare.traps) / (double) hits);
    }

    public Measurement measure(TimingCase tc, int hits) {
        return measure(tc, Workload.standard(tc.mode()), hits);
    }

    private record Counts(long cycles, long insns, long traps) {}

    private Counts run(TimingCase tc, Workload w, int hits, boolean withProbe) {
        EventLog log = new EventLog();
        Simulation sim = new Simulation(Strategies.replay(new int[0]), log, 0);
        Violations violations = new Violations(sim, new LinkedHashSet<>());
        Memory mem = new Memory();
        long text = w.mode() == Mode.BITS64 ? Layout.KERNEL_TEXT : Layout.KERNEL_TEXT_32;
        Assembly asm = Assembler.assemble(w.text(), text, w.mode(), io.probesim.x86.kernel.Natives.exportedSymbols(w.mode()));
        mem.map(text, asm.code().length, Memory.R | Memory.X);
        mem.poke(text, asm.code());
        Kernel kernel = new Kernel(new KernelConfig(1, tc.preempt(), TICK_HZ, 1, CLOCK_MHZ, w.mode()), sim, mem, violations);
        kernel.setCosts(costs);
        asm.symbols().forEach(s -> kernel.symbols().add(s.name(), s.address(), s.size()));
        kernel.symbols().addTextRange(text, text + asm.code().length);
        ProbeStack stack = build(kernel, tc);
        long[] events = {0, 0};   // traps (int3, debug), timer interrupts
        log.addListener(e -> {
            if (e.kind().equals("int3") || e.kind().equals("debug")) events[0]++;
            else if (e.kind().equals("irq")) events[1]++;
        });
        long[][] window = new long[2][];
        kernel.createHostTask("measure", 0, (HostContext ctx) -> {
            if (withProbe) attach(tc, stack, ctx, w);
            for (int i = 0; i < WARMUP; i++) ctx.call(w.call(), i);
            // A window a tick fell into is measured again (the tick's cycles are not the probe's).
            for (int attempt = 0; attempt < 4 && window[1] == null; attempt++) {
                long irqs = events[1];
                long[] from = snapshot(ctx.cpu(), events[0]);
                for (int i = 0; i < hits; i++) ctx.call(w.call(), i);
                if (events[1] == irqs) {
                    window[0] = from;
                    window[1] = snapshot(ctx.cpu(), events[0]);
                }
            }
            sim.stop("measured");
        });
        kernel.boot();
        try {
            sim.run(Time.MS * 10_000);
        } catch (HostTaskFailure f) {
            if (f.getCause() instanceof RuntimeException r) throw r;
            throw f;
        } finally {
            kernel.shutdown();
        }
        if (window[1] == null) throw new MeasureException(tc.label() + ": no window of " + hits
                + " calls without a timer tick (use fewer hits), or the workload did not finish");
        if (!violations.first().isEmpty()) throw new MeasureException(tc.label() + ": " + violations.first().get());
        return new Counts(window[1][0] - window[0][0], window[1][1] - window[0][1], window[1][2] - window[0][2]);
    }

    private static ProbeStack build(Kernel kernel, TimingCase tc) {
        Kprobes core = new Kprobes(kernel, new ProbeConfig(tc.era(), EnumSet.noneOf(Knob.class)), X86Kprobes::new);
        Optprobes opt = tc.optimize() ? new Optprobes(core, X86Optprobes::new, 0) : null;
        Kretprobes krp = tc.trampoline() == null ? null
                : new Kretprobes(core, k -> new X86Kretprobes(k, tc.trampoline()));
        return new ProbeStack(kernel, core, opt, krp);
    }

    private static void attach(TimingCase tc, ProbeStack stack, HostContext ctx, Workload w) {
        int rc;
        try {
            rc = tc.attach().attach(stack, ctx, w.target());
        } catch (io.probesim.probes.kprobes.KprobeException e) {
            throw new MeasureException(tc.label() + ": the kernel refused the probe: " + e.getMessage());
        }
        if (rc != 0) throw new MeasureException(tc.label() + ": registering the probe failed with " + errnoName(rc));
    }

    /** The errno's name for a register_kprobe result ("-EINVAL"), or the number. */
    static String errnoName(int rc) {
        for (io.probesim.probes.kprobes.Errno e : io.probesim.probes.kprobes.Errno.values()) {
            if (e.returnValue() == rc) return "-" + e.name();
        }
        return Integer.toString(rc);
    }

    private static long[] snapshot(SimCpu sc, long traps) {
        return new long[]{sc.totalCycles(), sc.instructions(), traps};
    }
}
