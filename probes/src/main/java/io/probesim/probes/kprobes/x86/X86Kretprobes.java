package io.probesim.probes.kprobes.x86;

import io.probesim.probes.kprobes.Kprobe;
import io.probesim.probes.kprobes.KretprobeInstance;
import io.probesim.probes.kprobes.Kretprobes;
import io.probesim.probes.kprobes.KretprobesArch;
import io.probesim.x86.asm.Assembler;
import io.probesim.x86.asm.Assembly;
import io.probesim.x86.cpu.Cpu;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.kernel.HostContext;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.Layout;
import io.probesim.x86.kernel.PtRegs;
import io.probesim.x86.kernel.SimCpu;
import io.probesim.x86.mem.Memory;

import java.util.Map;

/**
 * The x86 half of kretprobes: the trampoline a hijacked return lands on, and the hijack. Two
 * trampolines, both real x86 made by our assembler:
 * <ul>
 * <li>{@link Trampoline#PROBED} (before seed 000): a `nop` with a kprobe on it; the return
 *     takes an extra int3 whose pre handler runs the return handlers and sets ip to the real
 *     return address.</li>
 * <li>{@link Trampoline#BOOSTED} (seed 000's kretprobe-booster, and every kernel since): the
 *     trampoline saves the registers, builds a pt_regs view and calls the handler directly (a
 *     native routine), which leaves the real return address where the final `ret` pops it.</li>
 * </ul>
 */
public final class X86Kretprobes implements KretprobesArch {

    public enum Trampoline { PROBED, BOOSTED }

    /** Where the trampoline lives: the top page of the kprobe instruction-page area [?]. */
    public static final long TRAMPOLINE_PAGE = Layout.MODULE_SPACE + 0xff0000L;
    /** The same page on a 32-bit machine. */
    public static final long TRAMPOLINE_PAGE_32 = Layout.MODULE_SPACE_32 + 0xff0000L;
    public static final String SYMBOL = "kretprobe_trampoline";
    static final String NATIVE = "kretprobe_trampoline_handler";

    /** The booster trampoline's stack below S (the sp after the probed function's ret). */
    private static final int SLOT = 8, FLAGS = 16, FRAME = 128;
    /** Registers the trampoline saves, with their offset below S: rax rcx rdx rsi rdi r8 r9 r10 r11. */
    private static final int[] SAVED_REG = {0, 1, 2, 6, 7, 8, 9, 10, 11};
    private static final int FIRST_SAVED = 24;

    private static final String BOOSTED_TEXT = """
            kretprobe_trampoline:
                    push %rax                 # the slot the real return address will fill
                    pushf
                    push %rax
                    push %rcx
                    push %rdx
                    push %rsi
                    push %rdi
                    push %r8
                    push %r9
                    push %r10
                    push %r11
                    sub  $40, %rsp            # ip, cs, flags, sp, ss: the handlers' pt_regs view
                    mov  %rsp, %rdi
                    call kretprobe_trampoline_handler
                    add  $40, %rsp
                    pop  %r11
                    pop  %r10
                    pop  %r9
                    pop  %r8
                    pop  %rdi
                    pop  %rsi
                    pop  %rdx
                    pop  %rcx
                    pop  %rax
                    popf
                    ret
            """;

    /**
     * The i386 booster trampoline, the same design: the caller-saved registers (eax ecx edx;
     * the callee-saved ones the handler call keeps) and flags below the return slot, a
     * five-word pt_regs view, and the handler's argument in eax (the kernel's regparm(3)).
     */
    private static final String BOOSTED_TEXT_32 = """
            kretprobe_trampoline:
                    push %eax                 # the slot the real return address will fill
                    pushf
                    push %eax
                    push %ecx
                    push %edx
                    sub  $20, %esp            # ip, cs, flags, sp, ss: the handlers' pt_regs view
                    mov  %esp, %eax
                    call kretprobe_trampoline_handler
                    add  $20, %esp
                    pop  %edx
                    pop  %ecx
                    pop  %eax
                    popf
                    ret
            """;
    /** The 32-bit trampoline's stack below S: saved eax ecx edx from 12 down; the view's size. */
    private static final int FIRST_SAVED_32 = 12, FRAME_32 = 40;
    private static final int[] SAVED_REG_32 = {0, 1, 2};

    private static final String PROBED_TEXT = """
            kretprobe_trampoline:
                    nop                       # a kprobe sits here
            """;

    private final Kretprobes kretprobes;
    private final Kernel kernel;
    private final Trampoline kind;
    private final Mode mode;
    private long trampoline;

    public X86Kretprobes(Kretprobes kretprobes) {
        this(kretprobes, Trampoline.BOOSTED);
    }

    public X86Kretprobes(Kretprobes kretprobes, Trampoline kind) {
        this.kretprobes = kretprobes;
        this.kernel = kretprobes.kernel();
        this.kind = kind;
        this.mode = kernel.config().mode();
        kernel.natives().define(NATIVE, mode == Mode.BITS64 ? this::boostedHandler : this::boostedHandler32);
    }

    public Trampoline kind() {
        return kind;
    }

    @Override
    public long trampoline() {
        return trampoline;
    }

    @Override
    public long setUpTrampoline(HostContext ctx) {
        if (trampoline != 0) return trampoline;
        long nativeAddr = kernel.natives().symbols().get(NATIVE);
        long page = mode == Mode.BITS64 ? TRAMPOLINE_PAGE : TRAMPOLINE_PAGE_32;
        String text = kind == Trampoline.PROBED ? PROBED_TEXT : mode == Mode.BITS64 ? BOOSTED_TEXT : BOOSTED_TEXT_32;
        Assembly asm = Assembler.assemble(text, page, mode, Map.of(NATIVE, nativeAddr));
        Memory mem = kernel.memory();
        mem.map(page, 4096, Memory.R | Memory.X);
        mem.poke(page, asm.code());
        kernel.symbols().add(SYMBOL, page, asm.code().length);
        trampoline = page;
        ctx.log("kretprobe-trampoline", "addr", "0x" + Long.toHexString(trampoline), "kind", kind.name().toLowerCase());
        if (kind == Trampoline.PROBED) {
            // arch_init_kprobes(): the kernel's own probe on the trampoline (trampoline_p).
            kernel.symbols().addTextRange(page, page + asm.code().length);
            kretprobes.core().register(ctx, Kprobe.at(SYMBOL, 0, (p, regs) -> {
                regs.setIp(trampoline);     // handlers see ip at the trampoline, as with the booster
                regs.setIp(kretprobes.trampolineHandler(regs.getCpu(), regs));
                return 1;   // ip changed: no single-step
            }, null));
        }
        kernel.symbols().blacklist(SYMBOL);
        return trampoline;
    }

    @Override
    public void prepare(KretprobeInstance ri, PtRegs regs) {
        Memory mem = kernel.memory();
        long sp = regs.getSp();
        int w = kernel.wordBytes();
        ri.hijacked(mem.load(sp, w), sp);
        mem.store(sp, w, trampoline);
    }

    /**
     * The booster trampoline's `call`: rdi points at the pt_regs view below the saved registers.
     * Fill it in, run the return handlers with the registers as they were at the return, write
     * back what the handlers changed, and leave the real return address for the final `ret`.
     */
    private void boostedHandler(SimCpu sc) {
        Cpu cpu = sc.cpu();
        Memory mem = kernel.memory();
        cpu.rip = mem.read64(cpu.gpr[4]);
        cpu.gpr[4] += 8;
        long frame = cpu.gpr[7];
        long s = frame + FRAME;
        cpu.gpr[7] = mem.read64(s - (FIRST_SAVED + 8 * 4));     // the handlers see the real rdi
        mem.write64(frame, trampoline);
        mem.write64(frame + 8, Layout.KERNEL_CS);
        mem.write64(frame + 16, mem.read64(s - FLAGS));
        mem.write64(frame + 24, s);
        mem.write64(frame + 32, Layout.KERNEL_SS);
        PtRegs regs = PtRegs.at(sc, frame);
        sc.addCycles(kernel.cost(io.probesim.x86.cost.Cost.KRETPROBE_TRAMPOLINE_HANDLER));
        long ret = kretprobes.trampolineHandler(sc, regs);
        for (int i = 0; i < SAVED_REG.length; i++) mem.write64(s - (FIRST_SAVED + 8L * i), cpu.gpr[SAVED_REG[i]]);
        mem.write64(s - FLAGS, regs.getFlags());
        mem.write64(s - SLOT, ret);
        cpu.gpr[7] = frame;
    }

    /**
     * The i386 trampoline's `call`: eax points at the five-word view. As the 64-bit handler,
     * with 4-byte words; the handlers see the real eax (the return value) in the registers.
     */
    private void boostedHandler32(SimCpu sc) {
        Cpu cpu = sc.cpu();
        Memory mem = kernel.memory();
        cpu.rip = mem.read32(cpu.gpr[4]) & 0xffffffffL;
        cpu.gpr[4] += 4;
        long frame = cpu.gpr[0];
        long s = frame + FRAME_32;
        cpu.gpr[0] = mem.read32(s - FIRST_SAVED_32) & 0xffffffffL;
        mem.write32(frame, (int) trampoline);
        mem.write32(frame + 4, (int) Layout.KERNEL_CS);
        mem.write32(frame + 8, mem.read32(s - 8));
        mem.write32(frame + 12, (int) s);
        mem.write32(frame + 16, (int) Layout.KERNEL_SS);
        PtRegs regs = PtRegs.at(sc, frame);
        sc.addCycles(kernel.cost(io.probesim.x86.cost.Cost.KRETPROBE_TRAMPOLINE_HANDLER));
        long ret = kretprobes.trampolineHandler(sc, regs);
        for (int i = 0; i < SAVED_REG_32.length; i++) mem.write32(s - (FIRST_SAVED_32 + 4L * i), (int) cpu.gpr[SAVED_REG_32[i]]);
        mem.write32(s - 8, (int) regs.getFlags());
        mem.write32(s - 4, (int) ret);
        cpu.gpr[0] = frame;
    }
}
