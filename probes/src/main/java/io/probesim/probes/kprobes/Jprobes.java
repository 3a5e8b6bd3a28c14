package io.probesim.probes.kprobes;

import io.probesim.x86.kernel.HostContext;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.SymbolTable;

import java.util.function.Function;

/**
 * The generic half of jprobes (kernel/kprobes.c until v4.15): register_jprobe puts a kprobe at a
 * function entry with the arch's setjmp pre handler and longjmp break handler; unregister_jprobe
 * is unregister_kprobe.
 */
public final class Jprobes {

    private final Kprobes core;
    private final Kernel kernel;
    private final JprobesArch arch;

    public Jprobes(Kprobes core, Function<Jprobes, JprobesArch> archFactory) {
        this.core = core;
        this.kernel = core.kernel();
        this.arch = archFactory.apply(this);
    }

    public Kprobes core() { return core; }
    public Kernel kernel() { return kernel; }
    public JprobesArch arch() { return arch; }

    /** register_jprobe(): 0, or a KprobeException carrying the errno. */
    public int register(HostContext ctx, Jprobe jp) {
        if (jp.registered()) throw new KprobeException(Errno.EINVAL, jp + " is already registered");
        SymbolTable.Symbol fn = kernel.symbols().lookup(jp.symbol()).orElseThrow(() ->
                new KprobeException(Errno.ENOENT, "unknown symbol '" + jp.symbol() + "'"));
        if (jp.offset() != 0) {
            throw new KprobeException(Errno.EINVAL, jp.symbol() + "+0x" + Long.toHexString(jp.offset())
                    + " is not a function entry: a jprobe's mirror gets the function's arguments, so it must sit on its first instruction");
        }
        if (!kernel.symbols().isText(jp.entry())) {
            throw new KprobeException(Errno.EINVAL, "the jprobe's entry 0x" + Long.toHexString(jp.entry()) + " is not kernel text");
        }
        Kprobe existing = core.get(fn.address());
        if (existing != null && existing.breakHandler() != null) {
            // register_aggr_kprobe(): one break handler per address.
            throw new KprobeException(Errno.EEXIST, fn.name() + " already has a jprobe: one break handler per address");
        }
        Kprobe kp = Kprobe.at(jp.symbol(), 0, (p, regs) -> arch.setjmpPreHandler(jp, regs), null);
        kp.setBreakHandler((p, regs) -> arch.longjmpBreakHandler(jp, regs));
        jp.kp = kp;
        try {
            core.register(ctx, kp);
        } catch (KprobeException e) {
            jp.kp = null;
            throw e;
        }
        ctx.log("jprobe-register", "probe", kp.name(), "entry", "0x" + Long.toHexString(jp.entry()));
        return 0;
    }

    /** unregister_jprobe(): unregister_kprobe, with its wait. */
    public void unregister(HostContext ctx, Jprobe jp) {
        if (!jp.registered()) throw new KprobeException(Errno.EINVAL, jp + " is not registered");
        core.unregister(ctx, jp.kp);
        ctx.log("jprobe-unregister", "probe", jp.kp.name());
    }
}
