package io.probesim.report.measure;

import io.probesim.probes.Era;
import io.probesim.probes.kprobes.Kprobe;
import io.probesim.probes.kprobes.PostHandler;
import io.probesim.probes.kprobes.PreHandler;
import io.probesim.x86.decode.Mode;

import java.util.List;
import java.util.Optional;

/**
 * The timing cases this version of the model can measure, one per row of the published tables
 * it has a mechanism for. Handlers are empty, as in the seeds' benchmarks (what is measured is
 * the mechanism, not the handler's body). A published row without a case here is reported as
 * missing, never estimated.
 */
public final class TimingCases {
    private TimingCases() {}

    /** Whether the kprobes x86 layer runs on a 32-bit machine in this build (it does not yet: i386 slots and fixups). */
    static final boolean KPROBES_32 = false;

    static final PreHandler EMPTY_PRE = (p, regs) -> 0;
    static final PostHandler EMPTY_POST = (p, regs, flags) -> { };

    /**
     * The case for (mechanism, variant, era, mode), if the mechanism exists in this build.
     * "plain" kprobe runs on a CONFIG_PREEMPT kernel, where 2010 and later kernels never boost
     * (and 2006 boosts only where preemption was already disabled, which a function entry is
     * not); "booster" on a non-preemptible kernel, where every boostable copy is boosted.
     */
    public static Optional<TimingCase> find(String mechanism, String variant, Era era, Mode mode) {
        if (!mechanism.equals("kprobe") || (mode == Mode.BITS32 && !KPROBES_32)) return Optional.empty();
        return switch (variant) {
            case "plain" -> Optional.of(new TimingCase("kprobe", "plain", era, mode, true, TimingCases::kprobe));
            case "booster" -> Optional.of(new TimingCase("kprobe", "booster", era, mode, false, TimingCases::kprobe));
            case "post-handler" -> Optional.of(new TimingCase("kprobe", "post-handler", era, mode, false,
                    (core, ctx, target) -> core.register(ctx, Kprobe.at(target, 0, EMPTY_PRE, EMPTY_POST))));
            default -> Optional.empty();
        };
    }

    private static int kprobe(io.probesim.probes.kprobes.Kprobes core, io.probesim.x86.kernel.HostContext ctx, String target) {
        return core.register(ctx, Kprobe.at(target, 0, EMPTY_PRE, null));
    }

    /** Every case this build can measure for seed 001's rows on {@code mode}. */
    public static List<TimingCase> seed001(Mode mode) {
        return List.of("plain", "booster", "post-handler").stream()
                .map(v -> find("kprobe", v, Era.E2010, mode).orElseThrow()).toList();
    }
}
