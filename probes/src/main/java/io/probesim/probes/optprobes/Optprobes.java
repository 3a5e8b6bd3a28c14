package io.probesim.probes.optprobes;

import io.probesim.probes.Era;
import io.probesim.probes.Knob;
import io.probesim.probes.kprobes.Errno;
import io.probesim.probes.kprobes.Kprobe;
import io.probesim.probes.kprobes.KprobeCtlblk;
import io.probesim.probes.kprobes.KprobeException;
import io.probesim.probes.kprobes.KprobeOptimizer;
import io.probesim.probes.kprobes.KprobeStatus;
import io.probesim.probes.kprobes.Kprobes;
import io.probesim.x86.kernel.HostContext;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.PtRegs;
import io.probesim.x86.kernel.SimCpu;
import io.probesim.x86.kernel.Task;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The generic half of jump optimization (kernel/kprobes.c, CONFIG_OPTPROBES, seed 001):
 * try_to_optimize_kprobe, the optimizing_list and its delayed work kprobe_optimizer, forced
 * unoptimization, the sysctl debug.kprobes-optimization, and opt_pre_handler's logic for the
 * optimized callback. Writing jumps and building detour buffers is {@link OptprobesArch}'s.
 *
 * <p>Simplifications [labelled]: unoptimizing is done at once under the kprobe mutex (as 2.6.34
 * did) instead of through an unoptimizing_list; a probe blocked by another probe inside its
 * region is not re-optimized when that probe goes.
 */
public final class Optprobes implements KprobeOptimizer {

    /** OPTIMIZE_DELAY: the optimizer runs this many jiffies after it is kicked. */
    public static final int OPTIMIZE_DELAY = 5;
    public static final String WORK = "kprobe_optimizer";
    public static final String SYSCTL = "debug.kprobes-optimization";
    /**
     * The longest region: whole instructions covering the 5 bytes of the jump, the last starting
     * at most at byte 4 and at most 15 bytes long (MAX_INSN_SIZE).
     */
    static final int MAX_REGION = 4 + 15;

    private final Kprobes core;
    private final Kernel kernel;
    private final OptprobesArch arch;
    /** By probe address (ordered: nothing here iterates in hash order). */
    private final TreeMap<Long, OptimizedKprobe> byAddr = new TreeMap<>();
    /** By id, the number the detour buffer passes back; ids are never reused. */
    private final List<OptimizedKprobe> byId = new ArrayList<>();
    private final List<OptimizedKprobe> optimizingList = new ArrayList<>();
    /** Refusals of probes that never got an optimized_kprobe, by address. */
    private final Map<Long, String> refused = new TreeMap<>();
    private boolean allowOptimization = true;

    /**
     * @param workerCpu where the kernel worker that runs kprobe_optimizer lives (created now:
     *                  call before boot)
     */
    public Optprobes(Kprobes core, Function<Optprobes, OptprobesArch> archFactory, int workerCpu) {
        this.core = core;
        this.kernel = core.kernel();
        if (!core.config().era().optprobes()) {
            throw new IllegalArgumentException("era " + core.config().era().dslName() + " has no optprobes");
        }
        this.arch = archFactory.apply(this);
        kernel.workqueue().prepare(workerCpu);
        core.setOptimizer(this);
    }

    public Kprobes core() { return core; }
    public OptprobesArch arch() { return arch; }

    public OptimizedKprobe byId(int id) {
        return id >= 0 && id < byId.size() ? byId.get(id) : null;
    }

    public OptimizedKprobe at(long addr) {
        return byAddr.get(addr);
    }

    public boolean allowOptimization() { return allowOptimization; }

    // --- hooks of the generic core (mutex held) ---------------------------------------------

    @Override
    public void tryToOptimize(HostContext ctx, Kprobe p) {
        String why = whyNot(p);
        if (why != null) {
            refuse(ctx, p.address(), why);
            return;
        }
        OptimizedKprobe op = byAddr.get(p.address());
        if (op == null) {
            try {
                op = arch.prepare(ctx, p, byId.size());
            } catch (KprobeException e) {
                refuse(ctx, p.address(), e.getMessage());
                return;
            }
            if (op.length() > MAX_REGION) throw new IllegalStateException(op + ": a region of " + op.length() + " bytes");
            byId.add(op);
            byAddr.put(op.address(), op);
        }
        String blocked = probeInside(op);
        if (blocked != null) {
            op.refusal = blocked;
            ctx.log("optprobe-refused", "addr", hex(op.address()), "why", blocked);
            return;
        }
        op.refusal = null;
        refused.remove(p.address());
        if (op.state != OptimizedKprobe.State.NONE) return;
        // optimize_kprobe(): flagged at once, so from now on a hit runs the detour copy.
        p.setOptimized(true);
        op.state = OptimizedKprobe.State.QUEUED;
        optimizingList.add(op);
        ctx.log("optprobe-queued", "probe", p.name(), "addr", hex(op.address()), "detour", hex(op.detour()));
        kick(ctx);
    }

    /** Why `p` is never optimized (spec 3.2), or null. */
    private String whyNot(Kprobe p) {
        if (!allowOptimization) return SYSCTL + " is 0";
        if (p.hasPostHandler()) return "a probe with a post handler is never optimized";
        if (p.disabled()) return "a disabled probe is never optimized";
        if (p.breakHandler() != null) return "a jprobe (a probe with a break handler) is never optimized";
        return null;
    }

    /** Another probe inside bytes 1..len-1 blocks optimization (EEXIST inside the kernel). */
    private String probeInside(OptimizedKprobe op) {
        for (long a = op.address() + 1; a < op.address() + op.length(); a++) {
            Kprobe other = core.get(a);
            if (other != null && !other.disabled()) {
                return Errno.EEXIST.name() + ": probe " + other.name() + " sits inside the region of 0x"
                        + Long.toHexString(op.address()) + " (" + op.length() + " bytes)";
            }
        }
        return null;
    }

    private void refuse(HostContext ctx, long addr, String why) {
        refused.put(addr, why);
        ctx.log("optprobe-refused", "addr", hex(addr), "why", why);
    }

    @Override
    public void beforeArmAt(HostContext ctx, long addr) {
        for (OptimizedKprobe op : List.copyOf(regionsNear(addr, addr + 1))) {
            if (op.strictlyInside(addr) && op.state != OptimizedKprobe.State.NONE) {
                ctx.log("optprobe-force-unoptimize", "addr", hex(op.address()), "because", hex(addr));
                unoptimizeNow(ctx, op);
            }
        }
    }

    @Override
    public void aggregated(HostContext ctx, Kprobe ap) {
        OptimizedKprobe op = byAddr.get(ap.address());
        if (op != null && ap.hasPostHandler() && op.state != OptimizedKprobe.State.NONE) unoptimizeNow(ctx, op);
    }

    @Override
    public void beforeDisarm(HostContext ctx, Kprobe p) {
        OptimizedKprobe op = byAddr.get(p.address());
        if (op == null) return;
        if (core.config().has(Knob.FREE_DETOUR_WITHOUT_UNOPTIMIZE)) {
            // S11 unsafe: the buffer goes back to the cache while the jump may still lead into it.
            arch.remove(ctx, op, false);
            op.detourFreed = true;
        }
        unoptimizeNow(ctx, op);
    }

    @Override
    public void afterUnregister(HostContext ctx, Kprobe p) {
        OptimizedKprobe op = byAddr.remove(p.address());
        if (op == null) return;
        // Freed dirty: reused only after the slot cache has waited for a quiescent period.
        if (!op.detourFreed) arch.remove(ctx, op, true);
        op.detourFreed = true;
    }

    @Override
    public long detourCopy(long addr) {
        OptimizedKprobe op = byAddr.get(addr);
        // KPROBE_FLAG_OPTIMIZED is set from queueing until unoptimizing has put the bytes back:
        // also a hit on the int3 that unoptimizing writes first must not single-step.
        return op != null && op.state != OptimizedKprobe.State.NONE ? op.copy() : 0;
    }

    @Override
    public void recoverBytes(long start, byte[] code) {
        for (OptimizedKprobe op : regionsNear(start, start + code.length)) {
            byte[] orig = op.original;
            for (int i = 0; i < orig.length; i++) {
                long a = op.address() + i;
                if (a >= start && a < start + code.length) code[(int) (a - start)] = orig[i];
            }
        }
    }

    /**
     * The prepared probes whose regions may overlap [from, to): those starting less than
     * MAX_REGION bytes before `to`. A bounded view of the ordered map, so that a lookup costs
     * the same with 10 or 10,000 probes.
     */
    private java.util.Collection<OptimizedKprobe> regionsNear(long from, long to) {
        return byAddr.subMap(from - MAX_REGION, true, to, false).values();
    }

    /** Takes `op` back to a plain int3 probe now: off the queue, or its jump removed. */
    private void unoptimizeNow(HostContext ctx, OptimizedKprobe op) {
        switch (op.state) {
            case NONE -> { return; }
            case QUEUED -> optimizingList.remove(op);
            case OPTIMIZED -> arch.unoptimize(ctx, op);
        }
        op.state = OptimizedKprobe.State.NONE;
        Kprobe p = core.get(op.address());
        if (p != null) p.setOptimized(false);
        ctx.log("optprobe-unoptimized", "addr", hex(op.address()));
        kernel.noteProgress();
    }

    // --- the optimizer ------------------------------------------------------------------------

    /** kick_kprobe_optimizer(): the work runs OPTIMIZE_DELAY jiffies from now, unless already pending. */
    private void kick(HostContext ctx) {
        kernel.workqueue().queueDelayed(ctx, WORK, OPTIMIZE_DELAY, this::kprobeOptimizer);
    }

    /**
     * kprobe_optimizer(): under the kprobe mutex, wait for a quiescent period, then write the
     * jumps of the queued probes; re-queue itself if work remains.
     */
    void kprobeOptimizer(HostContext ctx) {
        core.mutexLock(ctx);
        try {
            if (!optimizingList.isEmpty() && allowOptimization) {
                waitForQuiescence(ctx);
                for (OptimizedKprobe op : List.copyOf(optimizingList)) {
                    if (core.config().has(io.probesim.probes.Design.B2_OPTIMIZER_STACK_SCAN) && someContextInside(ctx, op)) continue;
                    arch.optimize(ctx, op);
                    optimizingList.remove(op);
                    op.state = OptimizedKprobe.State.OPTIMIZED;
                    kernel.noteProgress();
                }
            }
        } finally {
            core.mutexUnlock();
        }
        if (!optimizingList.isEmpty() && allowOptimization) kick(ctx);
    }

    /** The era's wait: every context that entered a region before it was flagged has left it. */
    private void waitForQuiescence(HostContext ctx) {
        if (core.config().has(Knob.OPTIMIZE_WITHOUT_WAIT)) {
            ctx.log("optimizer-wait", "skipped", "optimizeWithoutWait");
            return;
        }
        if (core.config().era().optimizerWait() == Era.OptimizerWait.SYNCHRONIZE_SCHED) {
            kernel.rcu().synchronizeSched(ctx);
        } else {
            kernel.rcu().synchronizeRcuTasks(ctx);
        }
    }

    /**
     * B2 (seed 001's TODO, "by stack unwinding and checking address"): after synchronize_sched,
     * look at every live ip and saved frame; while one lies inside the region, leave the probe
     * queued for the next run instead of writing its jump.
     */
    private boolean someContextInside(HostContext ctx, OptimizedKprobe op) {
        boolean[] inside = {false};
        kernel.forEachLiveIp((ip, task, how) -> {
            if (op.strictlyInside(ip)) inside[0] = true;
        });
        if (inside[0]) ctx.log("optimizer-defer", "addr", hex(op.address()), "why", "a context is inside the region");
        return inside[0];
    }

    // --- the optimized callback -----------------------------------------------------------------

    /**
     * optimized_callback() with opt_pre_handler(): a disabled probe returns at once; a hit while
     * another kprobe runs on this CPU counts a miss; otherwise the handlers see ip = addr + 1
     * (as after an int3) and HIT_ACTIVE; their return value is ignored.
     */
    public void optimizedCallback(SimCpu sc, OptimizedKprobe op, PtRegs regs) {
        int cpu = sc.id();
        Task task = sc.current();
        kernel.log(cpu, task, "opt-hit", "ip", hex(op.address()));
        Kprobe p = core.get(op.address());
        if (p != null && !p.disabled()) {
            if (core.running(cpu) != null) {
                core.countMiss(cpu, p);
            } else {
                task.preemptDisable();
                KprobeCtlblk kcb = core.ctlblk(cpu);
                regs.setIp(op.address() + 1);
                kcb.setCurrent(p, regs.getFlags());
                kcb.setStatus(KprobeStatus.HIT_ACTIVE);
                core.callPreHandlers(cpu, p, regs);
                kcb.resetCurrent();
                kcb.setStatus(KprobeStatus.NONE);
                task.preemptEnableNoResched();
            }
        }
        kernel.log(cpu, task, "opt-hit-done", "ip", hex(op.address()));
    }

    // --- what the DSL asks -----------------------------------------------------------------------

    /** Why `p` is not optimized now (null when its jump is written). */
    public String whyNotOptimized(Kprobe p) {
        OptimizedKprobe op = byAddr.get(p.address());
        if (op != null && op.state == OptimizedKprobe.State.OPTIMIZED) return null;
        String why = whyNot(p);
        if (why != null) return why;
        if (op == null) return refused.getOrDefault(p.address(), "it was never tried");
        if (op.refusal != null) return op.refusal;
        return op.state == OptimizedKprobe.State.QUEUED ? "its jump is not written yet" : "it is unoptimized";
    }

    /** Kicks the optimizer for `p` and blocks until its jump is written; a KprobeException says why it cannot be. */
    public void optimizeAndWait(HostContext ctx, Kprobe p) {
        if (!p.registered()) throw new KprobeException(Errno.EINVAL, "probe " + p + " is not registered");
        core.mutexLock(ctx);
        try {
            tryToOptimize(ctx, core.get(p.address()));
        } finally {
            core.mutexUnlock();
        }
        OptimizedKprobe op = byAddr.get(p.address());
        if (op == null || op.state == OptimizedKprobe.State.NONE) {
            throw new KprobeException(Errno.EINVAL, "cannot optimize " + p + ": " + whyNotOptimized(p));
        }
        ctx.waitUntil("optimization of " + p, () -> op.state != OptimizedKprobe.State.QUEUED);
        if (op.state != OptimizedKprobe.State.OPTIMIZED) {
            throw new KprobeException(Errno.EINVAL, p + " was unoptimized before its jump was written: " + whyNotOptimized(p));
        }
    }

    /** Takes `p` back to an int3 probe now. */
    public void unoptimize(HostContext ctx, Kprobe p) {
        core.mutexLock(ctx);
        try {
            OptimizedKprobe op = byAddr.get(p.address());
            if (op != null) unoptimizeNow(ctx, op);
        } finally {
            core.mutexUnlock();
        }
    }

    /**
     * The sysctl debug.kprobes-optimization: 0 unoptimizes every probe (and returns once their
     * jumps are gone), 1 optimizes every registered probe that can be.
     */
    public void sysctl(HostContext ctx, boolean allow) {
        core.mutexLock(ctx);
        try {
            if (allow == allowOptimization) return;
            allowOptimization = allow;
            ctx.log("sysctl", "name", SYSCTL, "value", allow ? 1 : 0);
            if (!allow) {
                for (OptimizedKprobe op : byAddr.values()) unoptimizeNow(ctx, op);
            } else {
                for (long addr : core.addresses()) {
                    Kprobe p = core.get(addr);
                    if (p != null) tryToOptimize(ctx, p);
                }
            }
        } finally {
            core.mutexUnlock();
        }
    }

    /** Probes on the optimizing_list: flagged OPTIMIZED, jump not written yet. */
    public int queued() {
        return optimizingList.size();
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
