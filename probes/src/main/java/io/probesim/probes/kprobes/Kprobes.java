package io.probesim.probes.kprobes;

import io.probesim.probes.Knob;
import io.probesim.probes.ProbeConfig;
import io.probesim.x86.kernel.HostContext;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.SymbolTable;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The generic kprobes core (kernel/kprobes.c): the 64-bucket hash table keyed by address,
 * registration with the kernel's errno results, aggregation of probes at one address,
 * unregistration with its wait, per-CPU current_kprobe and control blocks. Everything
 * instruction-specific is behind {@link KprobesArch}.
 */
public final class Kprobes {

    public static final int TABLE_BITS = 6;

    private final Kernel kernel;
    private final ProbeConfig config;
    private final List<List<Kprobe>> table = new ArrayList<>();
    private final KprobeCtlblk[] ctlblk;
    private final KprobesArch arch;
    /** Per CPU: logs each handler call and miss for the handler-exactly-once invariant. */
    private final Kprobe.HitListener[] hitLogs;
    private boolean mutexHeld;
    /** Told when an unregister_kprobe call returns (no-handler-after-unregister). */
    private final List<java.util.function.Consumer<Kprobe>> unregistered = new ArrayList<>();
    private int registrations;
    /**
     * How many hashed probes, aggregators' children included, carry each name (what uniqueName
     * asks; counting as the table changes instead of scanning it per registration).
     */
    private final java.util.TreeMap<String, Integer> names = new java.util.TreeMap<>();
    /** The hashed entries by address, for lookups only (never iterated: the buckets are the table). */
    private final java.util.HashMap<Long, Kprobe> byAddr = new java.util.HashMap<>();
    private KprobeOptimizer optimizer = KprobeOptimizer.NONE;

    public Kprobes(Kernel kernel, ProbeConfig config, Function<Kprobes, KprobesArch> archFactory) {
        this.kernel = kernel;
        this.config = config;
        for (int i = 0; i < 1 << TABLE_BITS; i++) table.add(new ArrayList<>());
        this.ctlblk = new KprobeCtlblk[kernel.cpuCount()];
        for (int i = 0; i < ctlblk.length; i++) ctlblk[i] = new KprobeCtlblk();
        this.hitLogs = new Kprobe.HitListener[kernel.cpuCount()];
        for (int cpu = 0; cpu < hitLogs.length; cpu++) hitLogs[cpu] = hitLog(cpu);
        this.arch = archFactory.apply(this);
    }

    private Kprobe.HitListener hitLog(int cpu) {
        return new Kprobe.HitListener() {
            @Override
            public void preHandler(Kprobe p) {
                log(p, "kprobe-pre");
            }

            @Override
            public void missed(Kprobe p) {
                log(p, "kprobe-miss");
            }

            private void log(Kprobe p, String kind) {
                kernel.log(cpu, kernel.cpu(cpu).current(), kind, "probe", p.name(), "addr", hex(p.address()));
            }
        };
    }

    public Kernel kernel() { return kernel; }
    public ProbeConfig config() { return config; }
    public KprobesArch arch() { return arch; }

    // --- registration -------------------------------------------------------------------

    /** register_kprobe(): 0, or a KprobeException carrying the errno. */
    public int register(HostContext ctx, Kprobe p) {
        if (p.registered) throw new KprobeException(Errno.EINVAL, "probe " + p + " is already registered");
        long addr = resolve(p);
        SymbolTable symbols = kernel.symbols();
        if (!symbols.isText(addr)) {
            throw new KprobeException(Errno.EINVAL, "0x" + Long.toHexString(addr) + " is not kernel text");
        }
        if (symbols.isBlacklisted(addr)) {
            throw new KprobeException(Errno.EINVAL, symbols.describe(addr) + " is on the kprobe blacklist");
        }
        SymbolTable.Symbol fn = symbols.containing(addr).orElseThrow(() ->
                new KprobeException(Errno.EINVAL, "0x" + Long.toHexString(addr) + " is in no known function"));
        arch.checkInstructionBoundary(addr, fn);
        p.addr = addr;
        p.nmissed = 0;
        p.setName(uniqueName(symbols.describe(addr)));
        lock(ctx);
        try {
            Kprobe old = get(addr);
            if (old != null) {
                registerAggregate(ctx, old, p);
            } else {
                arch.prepare(ctx, p);
                p.registered = true;
                bucket(addr).add(p);
                byAddr.put(addr, p);
                nameIn(p.name());
                ctx.log("kprobe-register", "probe", p.name(), "addr", hex(addr));
                if ((p.flags & Kprobe.FLAG_DISABLED) == 0) {
                    optimizer.beforeArmAt(ctx, addr);
                    arch.arm(ctx, p);
                    optimizer.tryToOptimize(ctx, p);
                }
            }
        } finally {
            unlock();
        }
        ctx.charge(CostOf.REGISTER);
        return 0;
    }

    private void registerAggregate(HostContext ctx, Kprobe old, Kprobe p) {
        Kprobe ap = old;
        if (!old.isAggregator()) {
            ap = Kprobe.aggregatorFor(old);
            ap.list.add(old);
            List<Kprobe> b = bucket(old.addr);
            b.set(b.indexOf(old), ap);
            byAddr.put(old.addr, ap);
            nameIn(ap.name());
        }
        p.opcode = ap.opcode;
        p.ainsn = ap.ainsn;
        p.registered = true;
        ap.list.add(p);
        nameIn(p.name());
        ctx.log("kprobe-register", "probe", p.name(), "addr", hex(p.addr), "aggregated", ap.name());
        optimizer.aggregated(ctx, ap);
    }

    private long resolve(Kprobe p) {
        boolean hasSymbol = p.symbol() != null;
        boolean hasAddr = p.addr != 0;
        if (hasSymbol == hasAddr) {
            throw new KprobeException(Errno.EINVAL, hasSymbol
                    ? "give a symbol or an address, not both" : "give a symbol or an address");
        }
        if (!hasSymbol) return p.addr + p.offset();
        return kernel.symbols().lookup(p.symbol())
                .map(s -> s.address() + p.offset())
                .orElseThrow(() -> new KprobeException(Errno.ENOENT, "unknown symbol '" + p.symbol() + "'"));
    }

    /** unregister_kprobe(): disarm and unhash under the mutex, wait, then free the slot. */
    public void unregister(HostContext ctx, Kprobe p) {
        if (!p.registered) throw new KprobeException(Errno.EINVAL, "probe " + p + " is not registered");
        boolean freeArch;
        Kprobe hashed;
        lock(ctx);
        try {
            Kprobe ap = get(p.addr);
            hashed = ap;
            if (ap == p) {
                optimizer.beforeDisarm(ctx, p);
                arch.disarm(ctx, p);
                bucket(p.addr).remove(p);
                byAddr.remove(p.addr);
                nameOut(p.name());
                freeArch = true;
            } else {
                ap.list.remove(p);
                nameOut(p.name());
                freeArch = ap.list.isEmpty();
                if (freeArch) {
                    optimizer.beforeDisarm(ctx, ap);
                    arch.disarm(ctx, ap);
                    bucket(p.addr).remove(ap);
                    byAddr.remove(p.addr);
                    nameOut(ap.name());
                }
            }
            p.registered = false;
            ctx.log("kprobe-unregister", "probe", p.name(), "addr", hex(p.addr));
        } finally {
            unlock();
        }
        if (!config.has(Knob.SKIP_SYNC_BEFORE_FREE) && !config.has(Knob.SKIP_SYNC_ON_UNREGISTER)) {
            waitForQuiescence(ctx);
        }
        if (freeArch) {
            optimizer.afterUnregister(ctx, hashed);
            arch.remove(ctx, p);
        }
        ctx.charge(CostOf.UNREGISTER);
        for (java.util.function.Consumer<Kprobe> l : unregistered) l.accept(p);
    }

    /** The quiescent-period wait of this era (2006: synchronize_sched; design B1: synchronize_rcu_tasks). */
    public void waitForQuiescence(HostContext ctx) {
        if (config.has(io.probesim.probes.Design.B1_BOOSTER_RCU_TASKS)) {
            kernel.rcu().synchronizeRcuTasks(ctx);
        } else {
            kernel.rcu().synchronizeSched(ctx);
        }
    }

    private void lock(HostContext ctx) {
        ctx.waitUntil("kprobe_mutex", () -> !mutexHeld);
        mutexHeld = true;
    }

    private void unlock() {
        mutexHeld = false;
        kernel.noteProgress();
    }

    // --- lookup and per-CPU state ----------------------------------------------------------

    /**
     * get_kprobe(): the probe (or aggregator) hashed at `addr`. The 64 buckets are the kernel's
     * structure; the lookup goes through an index of the same entries, because register and the
     * optimizer ask about every byte near a probe, and with 10,000 probes a 150-deep chain walk
     * per byte dominated (the simulated cost of a lookup is a modelled constant either way).
     */
    public Kprobe get(long addr) {
        return byAddr.get(addr);
    }

    public KprobeCtlblk ctlblk(int cpu) {
        return ctlblk[cpu];
    }

    /** kprobe_running() */
    public Kprobe running(int cpu) {
        return ctlblk[cpu].current;
    }

    /** Runs the pre handler(s), logging each call for the handler-exactly-once invariant. */
    public int callPreHandlers(int cpu, Kprobe p, io.probesim.x86.kernel.PtRegs regs) {
        return p.callPreHandlers(regs, hitLogs[cpu]);
    }

    public void countMiss(int cpu, Kprobe p) {
        p.incNmissed(hitLogs[cpu]);
    }

    private List<Kprobe> bucket(long addr) {
        int h = (int) ((addr * 0x9E3779B97F4A7C15L) >>> (64 - TABLE_BITS));
        return table.get(h);
    }

    /** `base`, or base#N (N = this registration's number) when a hashed probe or a child of one has that name. */
    private String uniqueName(String base) {
        registrations++;
        return names.containsKey(base) ? base + "#" + registrations : base;
    }

    private void nameIn(String name) {
        names.merge(name, 1, Integer::sum);
    }

    private void nameOut(String name) {
        names.computeIfPresent(name, (n, c) -> c == 1 ? null : c - 1);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    // --- for the jump optimizer (optprobes) ------------------------------------------------

    public KprobeOptimizer optimizer() { return optimizer; }

    /** Installs the era's optimizer (before any probe is registered). */
    public void setOptimizer(KprobeOptimizer optimizer) { this.optimizer = optimizer; }

    /** mutex_lock(&kprobe_mutex), for the optimizer's work and the sysctl. */
    public void mutexLock(HostContext ctx) { lock(ctx); }

    public void mutexUnlock() { unlock(); }

    /** Every hashed probe address, in ascending order. */
    public List<Long> addresses() {
        List<Long> out = new ArrayList<>();
        for (List<Kprobe> b : table) for (Kprobe k : b) out.add(k.addr);
        out.sort(null);
        return out;
    }

    /** Host-side costs of the registration paths (cycles). */
    static final class CostOf {
        private CostOf() {}

        static final long REGISTER = 3_000;
        static final long UNREGISTER = 2_000;
    }

    /** `listener` learns of each probe whose unregister_kprobe call has returned. */
    public void addUnregisterListener(java.util.function.Consumer<Kprobe> listener) {
        unregistered.add(listener);
    }
}
