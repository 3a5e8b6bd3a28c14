package io.probesim.report.measure;

import io.probesim.probes.Era;
import io.probesim.probes.kprobes.Jprobe;
import io.probesim.probes.kprobes.Jprobes;
import io.probesim.probes.kprobes.Kprobe;
import io.probesim.probes.kprobes.Kretprobe;
import io.probesim.probes.kprobes.PostHandler;
import io.probesim.probes.kprobes.PreHandler;
import io.probesim.probes.kprobes.x86.X86Jprobes;
import io.probesim.probes.kprobes.x86.X86Kretprobes.Trampoline;
import io.probesim.x86.decode.Mode;

import java.util.Optional;

/**
 * The timing cases this version of the model can measure, one per row of the published tables
 * it has a mechanism for. Handlers are empty, as in the seeds' benchmarks (what is measured is
 * the mechanism, not the handler's body). A published row without a case here is reported as
 * missing, never estimated.
 *
 * <p>How a variant is obtained: "plain" runs on a CONFIG_PREEMPT kernel, where 2010 and later
 * kernels never boost (and 2006 boosts only where preemption was already disabled, which a
 * function entry is not); "booster" on a non-preemptible kernel, where every boostable copy is
 * boosted; "optimized" on a non-preemptible kernel (seed 001 supports only that) with the
 * jump written. Seed 001's kretprobe rows vary the entry probe the same way and use the
 * boosted trampoline, in mainline since 2.6.17 (seed 000); seed 000's and LKML's 2006 rows
 * vary the trampoline too: "plain" probed, "kretprobe-booster" boosted trampoline with a
 * single-stepped entry, "both" boosted trampoline and boosted entry. Older rows (Documentation)
 * predate both boosters: "plain" there is the probed trampoline.
 *
 * <p>Both machines run every mechanism, optprobes included (the i386 detour buffer since the
 * x32opt branch); the cost table is fitted on x86-64 only, so the x86-32 rows are predictions.
 */
public final class TimingCases {
    private TimingCases() {}


    static final PreHandler EMPTY_PRE = (p, regs) -> 0;
    static final PostHandler EMPTY_POST = (p, regs, flags) -> { };

    /** The case for (mechanism, variant, era, mode), if the mechanism exists in this build. */
    public static Optional<TimingCase> find(String mechanism, String variant, Era era, Mode mode) {
        return switch (mechanism) {
            case "kprobe" -> kprobe(variant, era, mode);
            case "kretprobe" -> kretprobe(variant, era, mode);
            case "jprobe" -> jprobe(variant, era, mode);
            default -> Optional.empty();
        };
    }

    /** Why {@link #find} has no case for a row: what the report prints beside it. */
    public static String whyMissing(String mechanism, String variant, Era era, Mode mode) {
        return mechanism + " " + variant + " on " + Workload.arch(mode) + " " + era.dslName() + " is not modelled in this build";
    }

    /**
     * Seed 001's jprobe rows: "jprobe" on a preemptible kernel (the probed instruction is
     * single-stepped after the longjmp), "jprobe + booster" on a non-preemptible one (boosted).
     * The mirror does nothing but jprobe_return, as the seeds' empty handlers.
     */
    private static Optional<TimingCase> jprobe(String variant, Era era, Mode mode) {
        return switch (variant) {
            case "plain" -> Optional.of(new TimingCase("jprobe", "plain", era, mode, true, TimingCases::jprobe));
            case "booster" -> Optional.of(new TimingCase("jprobe", "booster", era, mode, false, TimingCases::jprobe));
            default -> Optional.empty();
        };
    }

    private static int jprobe(ProbeStack s, io.probesim.x86.kernel.HostContext ctx, String target) {
        Jprobes jprobes = new Jprobes(s.kprobes(), X86Jprobes::new);
        long mirror = s.kernel().symbols().require(Workload.MIRROR).address();
        return jprobes.register(ctx, new Jprobe(target, mirror));
    }

    private static Optional<TimingCase> kprobe(String variant, Era era, Mode mode) {
        return switch (variant) {
            case "plain" -> Optional.of(new TimingCase("kprobe", "plain", era, mode, true, TimingCases::kprobe));
            case "booster" -> Optional.of(new TimingCase("kprobe", "booster", era, mode, false, TimingCases::kprobe));
            case "post-handler" -> Optional.of(new TimingCase("kprobe", "post-handler", era, mode, false,
                    (s, ctx, target) -> s.kprobes().register(ctx, Kprobe.at(target, 0, EMPTY_PRE, EMPTY_POST))));
            case "optimized" -> era.optprobes()
                    ? Optional.of(new TimingCase("kprobe", "optimized", era, mode, false, true, null, TimingCases::optimized))
                    : Optional.empty();
            default -> Optional.empty();
        };
    }

    private static Optional<TimingCase> kretprobe(String variant, Era era, Mode mode) {
        boolean modern = era != Era.E2006;
        return switch (variant) {
            case "plain" -> Optional.of(new TimingCase("kretprobe", "plain", era, mode, true, false,
                    modern ? Trampoline.BOOSTED : Trampoline.PROBED, TimingCases::kretprobe));
            case "booster" -> modern ? Optional.of(new TimingCase("kretprobe", "booster", era, mode, false, false,
                    Trampoline.BOOSTED, TimingCases::kretprobe)) : Optional.empty();
            case "optimized" -> era.optprobes() ? Optional.of(new TimingCase("kretprobe", "optimized", era, mode, false, true,
                    Trampoline.BOOSTED, TimingCases::optimizedKretprobe)) : Optional.empty();
            case "kretprobe-booster" -> modern ? Optional.empty() : Optional.of(new TimingCase("kretprobe", variant, era, mode,
                    true, false, Trampoline.BOOSTED, TimingCases::kretprobe));
            case "both" -> modern ? Optional.empty() : Optional.of(new TimingCase("kretprobe", variant, era, mode,
                    false, false, Trampoline.BOOSTED, TimingCases::kretprobe));
            default -> Optional.empty();
        };
    }

    private static int kprobe(ProbeStack s, io.probesim.x86.kernel.HostContext ctx, String target) {
        return s.kprobes().register(ctx, Kprobe.at(target, 0, EMPTY_PRE, null));
    }

    private static int optimized(ProbeStack s, io.probesim.x86.kernel.HostContext ctx, String target) {
        Kprobe p = Kprobe.at(target, 0, EMPTY_PRE, null);
        int rc = s.kprobes().register(ctx, p);
        if (rc == 0) s.optprobes().optimizeAndWait(ctx, p);
        return rc;
    }

    private static int kretprobe(ProbeStack s, io.probesim.x86.kernel.HostContext ctx, String target) {
        return s.kretprobes().register(ctx, new Kretprobe(target, null, (ri, regs) -> 0, 0));
    }

    private static int optimizedKretprobe(ProbeStack s, io.probesim.x86.kernel.HostContext ctx, String target) {
        Kretprobe rp = new Kretprobe(target, null, (ri, regs) -> 0, 0);
        int rc = s.kretprobes().register(ctx, rp);
        if (rc == 0) s.optprobes().optimizeAndWait(ctx, rp.kprobe());
        return rc;
    }
}
