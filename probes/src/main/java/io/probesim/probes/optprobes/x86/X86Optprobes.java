package io.probesim.probes.optprobes.x86;

import io.probesim.probes.Era;
import io.probesim.probes.Knob;
import io.probesim.probes.kprobes.InsnSlots;
import io.probesim.probes.kprobes.Kprobe;
import io.probesim.probes.optprobes.OptimizedKprobe;
import io.probesim.probes.optprobes.Optprobes;
import io.probesim.probes.optprobes.OptprobesArch;
import io.probesim.x86.cpu.Cpu;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.kernel.HostContext;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.Layout;
import io.probesim.x86.kernel.PtRegs;
import io.probesim.x86.kernel.SimCpu;

/**
 * The x86 half of jump optimization (arch/x86/kernel/kprobes/opt.c): detour buffers from their
 * own slot cache (kprobe_optinsn_slots), the optimized callback they call, and writing and
 * removing the 5-byte `jmp rel32` with the era's text-patching method.
 */
public final class X86Optprobes implements OptprobesArch {

    static final byte JMP_REL32 = (byte) 0xe9;
    static final byte BREAKPOINT = (byte) 0xcc;
    /** Detour pages start 8 MiB into module space, clear of the kprobe instruction pages. */
    static final long DETOUR_SPACE = Layout.MODULE_SPACE + 0x800000L;
    /** The same offset into a 32-bit kernel's module space (the vmalloc area). */
    static final long DETOUR_SPACE_32 = Layout.MODULE_SPACE_32 + 0x800000L;

    private final Optprobes optprobes;
    private final Kernel kernel;
    private final InsnSlots detours;
    private final long callback;
    private final Mode mode;

    public X86Optprobes(Optprobes optprobes) {
        this.optprobes = optprobes;
        this.kernel = optprobes.core().kernel();
        this.mode = kernel.config().mode();
        this.detours = new InsnSlots(kernel, mode == Mode.BITS64 ? DETOUR_SPACE : DETOUR_SPACE_32, DetourBuffer.SIZE, "kprobe_optinsn_page");
        this.callback = kernel.natives().define("optimized_callback", this::optimizedCallback);
    }

    /** The detour buffers' slot cache (the slot invariant listens to it). */
    public InsnSlots detourSlots() {
        return detours;
    }

    @Override
    public OptimizedKprobe prepare(HostContext ctx, Kprobe p, int id) {
        OptRegion region = CanOptimize.check(optprobes.core(), p);
        long buffer = detours.get(ctx, () -> kernel.rcu().synchronizeSched(ctx));
        DetourBuffer d = DetourBuffer.assemble(mode, buffer, id, callback, region.copied(), region.address() + region.length());
        kernel.memory().poke(buffer, d.code());
        ctx.log("detour-write", "slot", hex(buffer), "probe", p.name(), "bytes", d.code().length);
        return new OptimizedKprobe(id, region.address(), region.length(), region.copied(), buffer, d.copy());
    }

    @Override
    public void optimize(HostContext ctx, OptimizedKprobe op) {
        long addr = op.address();
        long rel = op.detour() - (addr + 5);
        byte[] jmp = {JMP_REL32, (byte) rel, (byte) (rel >> 8), (byte) (rel >> 16), (byte) (rel >> 24)};
        String why = "optimize 0x" + Long.toHexString(addr);
        ctx.log("opt-jump-begin", "addr", hex(addr), "len", op.length());
        if (era() == Era.JumpWriter.TEXT_POKE_SMP) {
            kernel.textPatcher().textPokeSmp(ctx, addr, jmp, why, !has(Knob.POKE_WITHOUT_STOP_MACHINE));
        } else {
            kernel.textPatcher().textPokeBp(ctx, addr, jmp, op.detour(), why, !has(Knob.POKE_BP_SKIP_SYNC));
        }
        ctx.log("opt-jump-written", "addr", hex(addr), "len", op.length(), "detour", hex(op.detour()));
    }

    @Override
    public void unoptimize(HostContext ctx, OptimizedKprobe op) {
        long addr = op.address();
        byte[] orig = op.original();
        String why = "unoptimize 0x" + Long.toHexString(addr);
        if (era() == Era.JumpWriter.TEXT_POKE_SMP) {
            // 2.6.34: one text_poke_smp of int3 and the 4 saved bytes.
            byte[] back = {BREAKPOINT, orig[1], orig[2], orig[3], orig[4]};
            kernel.textPatcher().textPokeSmp(ctx, addr, back, why, !has(Knob.POKE_WITHOUT_STOP_MACHINE));
        } else {
            // int3 first (sync), then the saved bytes behind it (sync).
            kernel.textPatcher().textPoke(ctx, addr, new byte[]{BREAKPOINT}, why);
            kernel.textPatcher().textPoke(ctx, addr + 1, new byte[]{orig[1], orig[2], orig[3], orig[4]}, why);
        }
        ctx.log("opt-jump-removed", "addr", hex(addr));
    }

    @Override
    public void remove(HostContext ctx, OptimizedKprobe op, boolean dirty) {
        detours.free(ctx, op.detour(), dirty);
    }

    /**
     * The optimized callback the detour buffer calls: the probe id and the saved registers in
     * the first two argument registers (rdi, rsi; on i386 regparm(3) eax, edx). Runs as Java,
     * charges its modelled cost, and returns like a `ret` (popping a machine word).
     */
    private void optimizedCallback(SimCpu sc) {
        Cpu cpu = sc.cpu();
        boolean bits64 = mode == Mode.BITS64;
        long id = cpu.gpr[bits64 ? 7 : 0], regs = cpu.gpr[bits64 ? 6 : 2];
        sc.addCycles(kernel.cost(io.probesim.x86.cost.Cost.OPTIMIZED_CALLBACK));
        OptimizedKprobe op = optprobes.byId((int) id);
        if (op == null) throw new IllegalStateException("optimized callback for unknown probe id " + id);
        optprobes.optimizedCallback(sc, op, PtRegs.saved(sc, regs, bits64 ? DetourBuffer.LAYOUT : DetourBuffer.LAYOUT_32, op.address() + 1));
        int w = kernel.wordBytes();
        cpu.rip = kernel.memory().load(cpu.gpr[4], w);
        cpu.gpr[4] += w;
    }

    private Era.JumpWriter era() {
        return optprobes.core().config().era().jumpWriter();
    }

    private boolean has(Knob k) {
        return optprobes.core().config().has(k);
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
