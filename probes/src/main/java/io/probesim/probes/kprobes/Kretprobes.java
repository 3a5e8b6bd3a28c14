package io.probesim.probes.kprobes;

import io.probesim.x86.kernel.HostContext;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.PtRegs;
import io.probesim.x86.kernel.SimCpu;
import io.probesim.x86.kernel.SymbolTable;
import io.probesim.x86.kernel.Task;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The generic half of kretprobes (kernel/kprobes.c): register_kretprobe with its checks and
 * instance pool, the entry kprobe's pre handler (pre_handler_kretprobe), the per-task list of
 * calls in flight (kretprobe_inst_table) and the trampoline handler that runs the return
 * handlers, recycles the instances and names the real return address. The trampoline and the
 * return-address hijack are the arch's ({@link KretprobesArch}).
 */
public final class Kretprobes {

    /** kretprobe_blacklist: functions a kretprobe may not probe (the context switch). */
    public static final Set<String> BLACKLIST = Set.of("__switch_to");

    private final Kprobes core;
    private final Kernel kernel;
    private final KretprobesArch arch;
    /** Calls in flight per task (pid), innermost on top. A TreeMap: iteration is by pid. */
    private final TreeMap<Integer, ArrayDeque<KretprobeInstance>> inFlight = new TreeMap<>();
    private final List<Kretprobe> registered = new ArrayList<>();

    public Kretprobes(Kprobes core, Function<Kretprobes, KretprobesArch> archFactory) {
        this.core = core;
        this.kernel = core.kernel();
        this.arch = archFactory.apply(this);
    }

    public Kprobes core() { return core; }
    public Kernel kernel() { return kernel; }
    public KretprobesArch arch() { return arch; }

    /** register_kretprobe(): 0, or a KprobeException carrying the errno. */
    public int register(HostContext ctx, Kretprobe rp) {
        if (rp.registered()) throw new KprobeException(Errno.EINVAL, rp + " is already registered");
        SymbolTable.Symbol fn = kernel.symbols().lookup(rp.symbol()).orElseThrow(() ->
                new KprobeException(Errno.ENOENT, "unknown symbol '" + rp.symbol() + "'"));
        if (rp.offset() != 0) {
            throw new KprobeException(Errno.EINVAL, rp.symbol() + "+0x" + Long.toHexString(rp.offset())
                    + " is not a function entry: a kretprobe must sit on the first instruction of a function");
        }
        if (BLACKLIST.contains(fn.name())) {
            throw new KprobeException(Errno.EINVAL, fn.name() + " is on the kretprobe blacklist (the context switch)");
        }
        if (rp.maxactive <= 0) {
            // The kernel's default: enough for every CPU, twice that (at least 10) when preemptible.
            int ncpu = kernel.cpuCount();
            rp.maxactive = kernel.config().preempt() ? Math.max(10, 2 * ncpu) : ncpu;
        }
        arch.setUpTrampoline(ctx);
        rp.free.clear();
        rp.inUse = 0;
        for (int i = 0; i < rp.maxactive; i++) rp.free.add(new KretprobeInstance(rp));
        rp.nmissed = 0;
        Kprobe kp = Kprobe.at(rp.symbol(), 0, (p, regs) -> preHandler(rp, regs), null);
        rp.kp = kp;
        try {
            core.register(ctx, kp);
        } catch (KprobeException e) {
            rp.kp = null;
            throw e;
        }
        registered.add(rp);
        ctx.log("kretprobe-register", "probe", kp.name(), "addr", hex(kp.address()), "maxactive", rp.maxactive);
        return 0;
    }

    /**
     * unregister_kretprobe(): unregister the entry probe (with its wait); calls still in flight
     * keep their instance, so they return to their real caller, but lose their handler.
     */
    public void unregister(HostContext ctx, Kretprobe rp) {
        if (!rp.registered()) throw new KprobeException(Errno.EINVAL, rp + " is not registered");
        core.unregister(ctx, rp.kp);
        for (ArrayDeque<KretprobeInstance> calls : inFlight.values()) {
            for (KretprobeInstance ri : calls) if (ri.rp == rp) ri.rp = null;
        }
        rp.free.clear();
        registered.remove(rp);
        ctx.log("kretprobe-unregister", "probe", rp.kp.name());
    }

    /** pre_handler_kretprobe(): take an instance, run the entry handler, hijack the return. */
    private int preHandler(Kretprobe rp, PtRegs regs) {
        SimCpu sc = regs.getCpu();
        Task task = sc.current();
        KretprobeInstance ri = rp.free.poll();
        if (ri == null) {
            rp.nmissed++;
            kernel.log(sc.id(), task, "kretprobe-miss", "probe", rp.kp.name(), "nmissed", rp.nmissed);
            return 0;
        }
        ri.task = task;
        if (rp.entryHandler() != null && rp.entryHandler().handle(ri, regs) != 0) {
            rp.free.push(ri);
            kernel.log(sc.id(), task, "kretprobe-skip", "probe", rp.kp.name());
            return 0;
        }
        arch.prepare(ri, regs);
        rp.inUse++;
        inFlight.computeIfAbsent(task.pid(), k -> new ArrayDeque<>()).push(ri);
        kernel.log(sc.id(), task, "kretprobe-entry", "probe", rp.kp.name(), "sp", hex(ri.stack), "ret", hex(ri.retAddr));
        return 0;
    }

    /**
     * trampoline_handler(): the current task returned into the trampoline with `regs` (sp just
     * above the popped return address). Runs the return handler of each instance hijacked at
     * that stack slot, innermost first, recycles them, and gives the real return address.
     */
    public long trampolineHandler(SimCpu sc, PtRegs regs) {
        Task task = sc.current();
        long slot = regs.getSp() - regs.wordBytes();   // the return address the ret popped
        ArrayDeque<KretprobeInstance> calls = inFlight.get(task.pid());
        long trampoline = arch.trampoline();
        task.preemptDisable();
        try {
            while (calls != null && !calls.isEmpty() && calls.peek().stack == slot) {
                // The instance stays listed while its handler runs: an unwinder there needs it.
                KretprobeInstance ri = calls.peek();
                Kretprobe rp = ri.rp;
                if (rp != null) {
                    kernel.log(sc.id(), task, "kretprobe-handler", "probe", rp.kp.name(), "ret", hex(ri.retAddr));
                    if (rp.handler() != null) rp.handler().handle(ri, regs);
                }
                calls.pop();
                recycle(ri);
                if (ri.retAddr != trampoline) {
                    kernel.log(sc.id(), task, "kretprobe-return", "sp", hex(slot), "ret", hex(ri.retAddr));
                    return ri.retAddr;
                }
            }
        } finally {
            task.preemptEnableNoResched();
        }
        throw kernel.traps().panic(sc, "kretprobe trampoline reached by " + task.name() + " with no instance for the return address slot at "
                + hex(slot));
    }

    private void recycle(KretprobeInstance ri) {
        Kretprobe rp = ri.rp;
        ri.task = null;
        if (rp != null) {
            rp.inUse--;
            rp.free.push(ri);
        }
    }

    /**
     * kretprobe_find_ret_addr(): for an unwinder that met the trampoline's address in the stack
     * slot at `slot` of `task`, the real return address (0 when no instance matches).
     */
    public long findRetAddr(Task task, long slot) {
        ArrayDeque<KretprobeInstance> calls = inFlight.get(task.pid());
        if (calls == null) return 0;
        for (Iterator<KretprobeInstance> it = calls.iterator(); it.hasNext(); ) {
            KretprobeInstance ri = it.next();
            if (ri.stack == slot && ri.retAddr != arch.trampoline()) return ri.retAddr;
        }
        return 0;
    }

    /** The instances of `task`'s calls in flight, innermost first. */
    public List<KretprobeInstance> inFlight(Task task) {
        ArrayDeque<KretprobeInstance> calls = inFlight.get(task.pid());
        return calls == null ? List.of() : List.copyOf(calls);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
