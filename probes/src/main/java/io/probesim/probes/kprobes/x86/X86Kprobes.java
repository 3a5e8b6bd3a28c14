package io.probesim.probes.kprobes.x86;

import io.probesim.probes.Era;
import io.probesim.probes.Knob;
import io.probesim.probes.kprobes.ArchInsn;
import io.probesim.probes.kprobes.Errno;
import io.probesim.probes.kprobes.InsnSlots;
import io.probesim.probes.kprobes.Kprobe;
import io.probesim.probes.kprobes.KprobeCtlblk;
import io.probesim.probes.kprobes.KprobeException;
import io.probesim.probes.kprobes.KprobeStatus;
import io.probesim.probes.kprobes.Kprobes;
import io.probesim.probes.kprobes.KprobesArch;
import io.probesim.x86.cost.Cost;
import io.probesim.x86.decode.DecodeException;
import io.probesim.x86.decode.Decoder;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.format.AttFormatter;
import io.probesim.x86.kernel.HostContext;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.PtRegs;
import io.probesim.x86.kernel.SimCpu;
import io.probesim.x86.kernel.SymbolTable;
import io.probesim.x86.kernel.Task;
import io.probesim.x86.kernel.TrapHandler;

/**
 * The x86 half of kprobes (arch/x86/kernel/kprobes): preparing the out-of-line copy, arming
 * with int3, the int3 handler (kprobe_handler), single-stepping with TF and the debug-trap
 * handler with resume_execution's fixups, and the 2006 booster. One layer for both machines:
 * the decoder's mode and the stack word (return addresses, the pushf image) follow the
 * kernel's mode; only x86-64 has RIP-relative operands, only i386 the far call (9A).
 */
public final class X86Kprobes implements KprobesArch, TrapHandler {

    static final byte BREAKPOINT = (byte) 0xCC;
    /** MAX_INSN_SIZE of 2006 i386: the slot holds the copy and the booster's 5-byte jmp. */
    static final int MAX_INSN_SIZE = 16;
    private static final int JMP_REL32_SIZE = 5;

    private final Kprobes core;
    private final Kernel kernel;
    private final InsnSlots slots;
    private final Mode mode;
    /** The stack word: what a call, pushf or push pushes (8 or 4 bytes). */
    private final int word;

    /** The v5.13 Jcc emulation's JNG/JNLE bug ("and" for "or", fixed 2022), for reproducing it. */
    private final boolean jngAndBug;

    public X86Kprobes(Kprobes core) {
        this(core, false);
    }

    /**
     * With {@code jngAndBug} the modern era emulates jle/jg as the 2021 code did. Not a DSL knob:
     * the knob list is invariants.md's, and this is no safety measure but a historical bug.
     */
    public X86Kprobes(Kprobes core, boolean jngAndBug) {
        this.core = core;
        this.jngAndBug = jngAndBug;
        this.kernel = core.kernel();
        this.mode = kernel.config().mode();
        this.word = kernel.wordBytes();
        this.slots = InsnSlots.forKprobes(kernel, MAX_INSN_SIZE);
        kernel.traps().register(this);
        // kprobe_emulate_* push onto the interrupted stack: the v5.2+ int3 entry leaves room (6 words)
        if (int3Step()) kernel.traps().setKernelInt3Gap(6 * 8);
    }

    /** v5.13 on: the slot ends with an int3 and branches / IF changers are emulated (spec 2.6). */
    private boolean int3Step() {
        return core.config().era().singleStep() == Era.SingleStep.INT3_EMULATE;
    }

    public InsnSlots slots() {
        return slots;
    }

    // --- preparation ---------------------------------------------------------------------

    @Override
    public void checkInstructionBoundary(long addr, SymbolTable.Symbol fn) {
        byte[] code = recoveredBytes(fn.address(), (int) fn.size());
        long at = fn.address();
        while (at < addr) {
            Instruction insn = decodeIn(code, fn.address(), at);
            if (at + insn.length() > addr) {
                throw new KprobeException(Errno.EILSEQ, kernel.symbols().describe(addr) + " is not on an instruction boundary: it is inside "
                        + AttFormatter.format(insn).trim() + " at " + kernel.symbols().describe(at));
            }
            at += insn.length();
        }
    }

    /** The function's bytes with every int3 of a registered probe replaced by the byte it hides. */
    private byte[] recoveredBytes(long start, int size) {
        byte[] code = kernel.memory().read(start, size);
        for (int i = 0; i < size; i++) {
            Kprobe p = core.get(start + i);
            if (p != null && code[i] == BREAKPOINT) code[i] = p.savedOpcode();
        }
        core.optimizer().recoverBytes(start, code);
        return code;
    }

    private Instruction decodeIn(byte[] code, long base, long at) {
        try {
            return Decoder.decode(code, (int) (at - base), at, mode);
        } catch (DecodeException e) {
            throw new KprobeException(Errno.EILSEQ, "cannot decode " + kernel.symbols().describe(at) + ": " + e.getMessage());
        }
    }

    @Override
    public void prepare(HostContext ctx, Kprobe p) {
        byte[] bytes = recoveredBytes(p.address(), 15);
        Instruction insn = decodeIn(bytes, p.address(), p.address());
        boolean int3Step = int3Step();
        if (int3Step && isExceptionInsn(insn)) {
            // can_probe (v6.4 on): INT and UD are special and must not be probed
            throw new KprobeException(Errno.EILSEQ, "cannot probe " + p + ": " + AttFormatter.format(insn).trim()
                    + " raises an exception itself (int3, int n, into, int1 and ud0/ud1/ud2 are refused)");
        }
        if (insn.bytes()[0] == BREAKPOINT) {
            throw new KprobeException(Errno.EINVAL, "the instruction at " + p + " is itself an int3");
        }
        ArchInsn.EmulateOp emulate = int3Step
                ? Emulation.prepare(insn, kernel.symbols().describe(p.address()), jngAndBug) : null;
        long slot = slots.get(ctx, () -> core.waitForQuiescence(ctx));
        byte[] copy = insn.bytes();
        if (insn.ripRelative()) {
            copy = RipRelative.rebase(insn, slot);
            if (copy == null) {
                slots.free(ctx, slot, false);
                throw new KprobeException(Errno.EINVAL, "RIP-relative instruction at " + p + " ("
                        + AttFormatter.format(insn).trim() + "): its target is more than 2 GiB from the slot at " + hex(slot));
            }
        }
        kernel.memory().poke(slot, copy);
        ctx.log("slot-write", "slot", hex(slot), "insn", AttFormatter.format(insn).trim());
        p.setSavedOpcode(bytes[0]);
        ArchInsn a = new ArchInsn(slot, insn.length(), int3Step ? prepareSinglestep(insn, slot, p) : boostState(insn, slot, p.address()));
        a.setEmulateOp(emulate);
        p.setAinsn(a);
    }

    /** is_exception_insn: int3, int n, into, int1, ud0, ud1, ud2. */
    private static boolean isExceptionInsn(Instruction insn) {
        int op = insn.opcode();
        if (insn.map() == 1) return op == 0x0b || op == 0xb9 || op == 0xff;
        return insn.map() == 0 && (op == 0xcc || op == 0xcd || op == 0xce || op == 0xf1);
    }

    /**
     * prepare_singlestep (v5.13): after the copy either the booster's jmp back (boostable, no
     * post handler, room for it, !CONFIG_PREEMPT unless the S1 knob or design B1 allows it) or
     * the int3 that ends the step. Returns the boostable state.
     */
    private int prepareSinglestep(Instruction insn, long slot, Kprobe p) {
        boolean extable = kernel.exceptionTable().search(p.address()).isPresent();
        boolean preemptOk = !kernel.config().preempt() || core.config().has(Knob.BOOST_PREEMPTIBLE)
                || core.config().has(io.probesim.probes.Design.B1_BOOSTER_RCU_TASKS);
        long at = slot + insn.length();
        if (preemptOk && !p.hasPostHandler() && BoostTableModern.canBoost(insn, extable)
                && insn.length() + JMP_REL32_SIZE <= MAX_INSN_SIZE) {
            long rel = p.address() + insn.length() - (at + JMP_REL32_SIZE);
            kernel.memory().poke(at, new byte[]{(byte) 0xe9, (byte) rel, (byte) (rel >> 8), (byte) (rel >> 16), (byte) (rel >> 24)});
            return 1;
        }
        kernel.memory().poke(at, new byte[]{BREAKPOINT});
        return -1;
    }

    /**
     * The booster's initial state: seed 000 leaves a boostable copy at 0 for its first step to
     * measure; the modern booster writes the jmp back now (if it fits the slot) and starts at 1.
     */
    private int boostState(Instruction insn, long slot, long orig) {
        Era era = core.config().era();
        if (!era.boostJmpAtRegistration()) return canBoost(insn, mode) ? 0 : -1;
        boolean extable = kernel.exceptionTable().search(orig).isPresent();
        if (!BoostTableModern.canBoost(insn, extable) || insn.length() + JMP_REL32_SIZE > MAX_INSN_SIZE) return -1;
        long at = slot + insn.length();
        long target = orig + insn.length();
        long rel = target - (at + JMP_REL32_SIZE);
        kernel.memory().poke(at, new byte[]{(byte) 0xe9, (byte) rel, (byte) (rel >> 8), (byte) (rel >> 16), (byte) (rel >> 24)});
        return 1;
    }

    /** The era's can_boost on a decoded instruction (optprobes ask it too, spec 3.2). */
    public static boolean canBoost(Era era, Instruction insn, boolean inExceptionTable) {
        return switch (era.boosterTable()) {
            case SEED_000 -> canBoost(insn, insn.mode());
            case MODERN -> BoostTableModern.canBoost(insn, inExceptionTable);
        };
    }

    /** The 2006 table looks at the first opcode byte; in 64-bit mode a REX prefix is skipped. */
    public static boolean canBoost(Instruction insn) {
        return canBoost(insn, Mode.BITS64);
    }

    /** As {@link #canBoost(Instruction)}; on i386 0x40-0x4f are inc/dec, not REX, and are the opcode. */
    public static boolean canBoost(Instruction insn, Mode mode) {
        byte[] b = insn.bytes();
        return BoostTable2006.canBoost(b[opcodeIndex(b, mode)] & 0xff);
    }

    /** Where the opcode byte is: after a REX prefix on x86-64. */
    private static int opcodeIndex(byte[] b, Mode mode) {
        return mode == Mode.BITS64 && (b[0] & 0xf0) == 0x40 && b.length > 1 ? 1 : 0;
    }

    @Override
    public void arm(HostContext ctx, Kprobe p) {
        kernel.textPatcher().poke(ctx, p.address(), new byte[]{BREAKPOINT}, "arm " + p.name());
    }

    @Override
    public void disarm(HostContext ctx, Kprobe p) {
        kernel.textPatcher().poke(ctx, p.address(), new byte[]{p.savedOpcode()}, "disarm " + p.name());
    }

    @Override
    public void remove(HostContext ctx, Kprobe p) {
        ArchInsn a = p.ainsn();
        boolean dirty = core.config().era().slotFreeing() == Era.SlotFreeing.DIRTY_IF_BOOSTED && a.boostable() == 1;
        slots.free(ctx, a.slot(), dirty);
    }

    // --- the int3 handler ----------------------------------------------------------------

    @Override
    public boolean onBreakpoint(SimCpu sc, PtRegs regs) {
        int cpu = sc.id();
        long addr = regs.getIp() - 1;
        Task task = sc.current();
        KprobeCtlblk kcb = core.ctlblk(cpu);
        preemptDisable(task);
        sc.addCycles(kernel.cost(Cost.KPROBE_HANDLER));

        if (core.running(cpu) != null) {
            Kprobe p = core.get(addr);
            if (p != null && !core.config().has(Knob.NO_REENTRANCY_GUARD)) {
                return reenter(sc, regs, kcb, p);
            }
            if (p != null) {
                // S13's knob: no guard, the nested hit is handled as a first one. It overwrites
                // this CPU's one current_kprobe, so the outer hit's single-step finds none.
                return hit(sc, regs, kcb, p);
            }
            if (int3Step() && (kcb.status() == KprobeStatus.HIT_SS || kcb.status() == KprobeStatus.REENTER)) {
                Kprobe cur = core.running(cpu);
                long slot = cur.ainsn().slot();
                if (slot < regs.getIp() && regs.getIp() < slot + MAX_INSN_SIZE) {
                    return resumeSinglestep(sc, regs, kcb, cur);   // the int3 that ends the copy
                }
            }
            if (removedConcurrently(sc, addr)) {
                regs.setIp(addr);
                preemptEnable(task);
                return true;
            }
            Kprobe cur = core.running(cpu);
            if (cur.breakHandler() != null && cur.breakHandler().handle(cur, regs) != 0) {
                return ssProbe(sc, regs, kcb, cur);   // a jprobe's jprobe_return: now step the probed instruction
            }
            preemptEnable(task);
            return false;
        }

        Kprobe p = core.get(addr);
        if (p == null) {
            if (removedConcurrently(sc, addr)) {
                regs.setIp(addr);
                preemptEnable(task);
                return true;
            }
            preemptEnable(task);
            return false;
        }

        return hit(sc, regs, kcb, p);
    }

    /**
     * No probe at `addr` and no int3 there any more: another CPU removed the probe between this
     * CPU's trap and the lookup (spec 2.7; S20). The caller backs ip up over the vanished int3,
     * so the original instruction runs. The knob drops the check: the trap counts as foreign.
     */
    private boolean removedConcurrently(SimCpu sc, long addr) {
        if (core.config().has(Knob.NO_REMOVED_PROBE_CHECK)) return false;
        if (kernel.memory().read8(addr) == (BREAKPOINT & 0xff)) return false;
        kernel.log(sc.id(), sc.current(), "kprobe-gone", "addr", hex(addr));
        return true;
    }

    /** A hit of `p` with no other probe running: handlers, then boost or single-step. */
    private boolean hit(SimCpu sc, PtRegs regs, KprobeCtlblk kcb, Kprobe p) {
        int cpu = sc.id();
        Task task = sc.current();
        kcb.setStatus(KprobeStatus.HIT_ACTIVE);
        kcb.setCurrent(p, regs.getFlags());
        sc.addCycles(kernel.cost(Cost.HANDLER_CALL));
        if (core.callPreHandlers(cpu, p, regs) != 0) {
            // A jprobe stays current (preemption off) until its break handler.
            if (p.breakHandler() != null) return true;
            // The handler moved ip: no single-step, no post handler.
            kcb.resetCurrent();
            preemptEnable(task);
            return true;
        }
        long detour = core.optimizer().detourCopy(p.address());
        if (detour != 0) {
            // Flagged OPTIMIZED, jump not written yet: run the copied region from the detour
            // buffer, never single-step (a step would resume inside the region).
            kcb.resetCurrent();
            regs.setIp(detour);
            preemptEnable(task);
            kernel.log(cpu, task, "kprobe-detour", "probe", p.name(), "to", hex(detour));
            return true;
        }
        return ssProbe(sc, regs, kcb, p);
    }

    /** ss_probe: boost, or single-step the copy. */
    private boolean ssProbe(SimCpu sc, PtRegs regs, KprobeCtlblk kcb, Kprobe p) {
        if (int3Step()) return setupSinglestep(sc, regs, kcb, p, false);
        int cpu = sc.id();
        Task task = sc.current();
        if (mayBoost(p, task)) {
            kcb.resetCurrent();
            regs.setIp(p.ainsn().slot());
            preemptEnable(task);
            kernel.log(cpu, task, "kprobe-boost", "probe", p.name(), "slot", hex(p.ainsn().slot()));
            return true;
        }
        prepareSingleStep(p, regs);
        kcb.setStatus(KprobeStatus.HIT_SS);
        kernel.log(cpu, task, "kprobe-ss", "probe", p.name(), "slot", hex(p.ainsn().slot()));
        return true;
    }

    /** A hit while another probe is being handled: count a miss, step it without handlers. */
    private boolean reenter(SimCpu sc, PtRegs regs, KprobeCtlblk kcb, Kprobe p) {
        if (kcb.status() == KprobeStatus.REENTER) {
            kernel.traps().panic(sc, "unrecoverable kprobe reentry at " + p.name() + " (status REENTER)");
        }
        if (int3Step()) {
            core.countMiss(sc.id(), p);
            kernel.log(sc.id(), sc.current(), "kprobe-reenter", "probe", p.name());
            return setupSinglestep(sc, regs, kcb, p, true);
        }
        kcb.savePrevious();
        kcb.setCurrent(p, regs.getFlags());
        core.countMiss(sc.id(), p);
        prepareSingleStep(p, regs);
        kcb.setStatus(KprobeStatus.REENTER);
        kernel.log(sc.id(), sc.current(), "kprobe-reenter", "probe", p.name());
        return true;
    }

    /**
     * Seed 000: boost only a probe without a post handler whose copy has been measured; on
     * CONFIG_PREEMPT only where preemption was already disabled at the probe point (2006), or
     * never (later eras). The knob drops the preemption rule; so does design B1, which waits for
     * RCU-tasks before freeing the slot instead.
     */
    private boolean mayBoost(Kprobe p, Task task) {
        if (p.ainsn().boostable() != 1 || p.hasPostHandler()) return false;
        if (!kernel.config().preempt() || core.config().has(Knob.BOOST_PREEMPTIBLE)
                || core.config().has(io.probesim.probes.Design.B1_BOOSTER_RCU_TASKS)) return true;
        int countAtProbePoint = task.preemptCount() - 1;
        return core.config().era().boostWherePreemptionDisabled() && countAtProbePoint > 0;
    }

    private static void prepareSingleStep(Kprobe p, PtRegs regs) {
        regs.setFlags((regs.getFlags() | SimCpu.TF) & ~SimCpu.IF);
        regs.setIp(p.ainsn().slot());
    }

    // --- the v5.13 int3 single-step --------------------------------------------------------------

    /**
     * setup_singlestep (v5.13): a boosted copy runs straight from the slot (a reentrant hit keeps
     * the control block as it is); an emulated instruction is carried out here and post-processed
     * at once; anything else runs from the slot with IF cleared until the int3 after it.
     */
    private boolean setupSinglestep(SimCpu sc, PtRegs regs, KprobeCtlblk kcb, Kprobe p, boolean reenter) {
        Task task = sc.current();
        ArchInsn a = p.ainsn();
        if (a.boostable() == 1) {
            if (!reenter) kcb.resetCurrent();
            regs.setIp(a.slot());
            preemptEnable(task);
            kernel.log(sc.id(), task, "kprobe-boost", "probe", p.name(), "slot", hex(a.slot()));
            return true;
        }
        if (reenter) {
            kcb.savePrevious();
            kcb.setCurrent(p, regs.getFlags());
            kcb.setStatus(KprobeStatus.REENTER);
        } else {
            kcb.setStatus(KprobeStatus.HIT_SS);
        }
        if (a.emulateOp() != null) {
            sc.addCycles(kernel.cost(Cost.POST_PROCESS));
            a.emulateOp().emulate(p, regs);
            kernel.log(sc.id(), task, "kprobe-emulate", "probe", p.name(), "ip", hex(regs.getIp()));
            postProcess(sc, regs, kcb, p);
            preemptEnable(task);
            return true;
        }
        regs.setFlags(regs.getFlags() & ~SimCpu.IF);
        regs.setIp(a.slot());
        kernel.log(sc.id(), task, "kprobe-ss", "probe", p.name(), "slot", hex(a.slot()));
        return true;
    }

    /** resume_singlestep: the int3 after the copy; ip back to the original's next instruction. */
    private boolean resumeSinglestep(SimCpu sc, PtRegs regs, KprobeCtlblk kcb, Kprobe cur) {
        sc.addCycles(kernel.cost(Cost.POST_PROCESS));
        regs.setFlags(regs.getFlags() | kcb.savedFlags());
        regs.setIp(regs.getIp() + (cur.address() - cur.ainsn().slot()) - 1);
        postProcess(sc, regs, kcb, cur);
        preemptEnable(sc.current());   // this int3's
        preemptEnable(sc.current());   // the probe hit's
        return true;
    }

    /** kprobe_post_process: a reentered probe gives the CPU back to the one it interrupted. */
    private void postProcess(SimCpu sc, PtRegs regs, KprobeCtlblk kcb, Kprobe cur) {
        if (kcb.status() == KprobeStatus.REENTER) {
            kcb.restorePrevious();
            return;
        }
        callPostHandler(sc, regs, kcb, cur, false);
        kcb.resetCurrent();
        kcb.setStatus(KprobeStatus.NONE);
    }

    // --- the debug trap handler --------------------------------------------------------------

    @Override
    public boolean onDebug(SimCpu sc, PtRegs regs) {
        if (int3Step()) return false;   // no TF single-step in this era
        int cpu = sc.id();
        KprobeCtlblk kcb = core.ctlblk(cpu);
        Kprobe cur = core.running(cpu);
        if (cur == null) return false;
        sc.addCycles(kernel.cost(Cost.POST_PROCESS));
        boolean reentered = kcb.status() == KprobeStatus.REENTER;
        boolean postFirst = core.config().era().postHandlerBeforeFixups();
        if (postFirst) callPostHandler(sc, regs, kcb, cur, reentered);
        resumeExecution(sc, cur, regs, kcb);
        regs.setFlags(regs.getFlags() | kcb.savedFlags());
        if (!postFirst) callPostHandler(sc, regs, kcb, cur, reentered);
        if (reentered) {
            kcb.restorePrevious();
        } else {
            kcb.resetCurrent();
            kcb.setStatus(KprobeStatus.NONE);
        }
        preemptEnable(sc.current());
        return true;
    }

    /**
     * kprobe_fault_handler (spec 2.3): a fault while single-stepping a copy (ip still in the
     * slot) is the probed instruction's fault. Put ip back at the probe address with the flags
     * the probe found, leave the probe, and let normal fault handling (the exception table) run.
     */
    @Override
    public long onFault(SimCpu sc, int vector, long ip) {
        KprobeCtlblk kcb = core.ctlblk(sc.id());
        Kprobe cur = core.running(sc.id());
        if (cur == null || (kcb.status() != KprobeStatus.HIT_SS && kcb.status() != KprobeStatus.REENTER)) return ip;
        if (ip != cur.ainsn().slot()) return ip;
        var cpu = sc.cpu();
        cpu.rip = cur.address();
        cpu.rflags = (cpu.rflags & ~(SimCpu.TF | SimCpu.IF)) | kcb.savedFlags();
        kernel.log(sc.id(), sc.current(), "kprobe-fault", "probe", cur.name(), "vector", vector);
        if (kcb.status() == KprobeStatus.REENTER) {
            kcb.restorePrevious();
        } else {
            kcb.resetCurrent();
            kcb.setStatus(KprobeStatus.NONE);
        }
        preemptEnable(sc.current());
        return cur.address();
    }

    private void callPostHandler(SimCpu sc, PtRegs regs, KprobeCtlblk kcb, Kprobe cur, boolean reentered) {
        if (reentered || !cur.hasPostHandler()) return;
        kcb.setStatus(KprobeStatus.HIT_SSDONE);
        kernel.log(sc.id(), sc.current(), "kprobe-post", "probe", cur.name());
        sc.addCycles(kernel.cost(Cost.HANDLER_CALL));
        cur.postHandler().handle(cur, regs, 0);
    }

    /**
     * After the single-step the registers describe the copy's execution; make them describe
     * the original's: the pushf image, the return address a call pushed, and ip. The first
     * step of a boostable (state 0) copy also measures it and writes the jmp back.
     */
    private void resumeExecution(SimCpu sc, Kprobe p, PtRegs regs, KprobeCtlblk kcb) {
        ArchInsn a = p.ainsn();
        long copy = a.slot();
        long orig = p.address();
        var mem = kernel.memory();
        regs.setFlags(regs.getFlags() & ~SimCpu.TF);
        byte[] insn = mem.read(copy, a.length());
        int i = opcodeIndex(insn, mode);
        int op = insn[i] & 0xff;
        long tos = regs.getSp();
        switch (op) {
            case 0x9c -> { // pushf: the image must not show our TF/IF changes
                long image = mem.load(tos, word);
                mem.store(tos, word, (image & ~(SimCpu.TF | SimCpu.IF)) | kcb.oldFlags());
            }
            case 0xc2, 0xc3, 0xca, 0xcb, 0xcf, 0xea -> { // ret, lret, iret, far jmp: ip is right
                if (a.boostable() == 0) a.setBoostable(1);
                return;
            }
            case 0xe8 -> fixReturnAddress(tos, orig, copy); // call rel32
            case 0x9a -> fixReturnAddress(tos, orig, copy); // far call (i386): eip is below the pushed cs
            case 0xff -> {
                int reg = (insn[i + 1] >> 3) & 7;
                if (reg == 2 || reg == 3) { // indirect call: fix the return address only
                    fixReturnAddress(tos, orig, copy);
                    return;
                }
                if (reg == 4 || reg == 5) return; // indirect jmp: ip is right
            }
            default -> { }
        }
        long ip = regs.getIp();
        if (a.boostable() == 0) {
            if (ip > copy && (ip - copy) + JMP_REL32_SIZE < MAX_INSN_SIZE) {
                writeJmp(sc, ip, orig + (ip - copy));
                a.setBoostable(1);
            } else {
                a.setBoostable(-1);
            }
        }
        regs.setIp(orig + (ip - copy));
    }

    /** A call from the copy pushed a return address into the slot: make it the original's. */
    private void fixReturnAddress(long tos, long orig, long copy) {
        var mem = kernel.memory();
        mem.store(tos, word, orig + (mem.load(tos, word) - copy));
    }

    private void writeJmp(SimCpu sc, long at, long target) {
        long rel = target - (at + JMP_REL32_SIZE);
        byte[] jmp = {(byte) 0xe9, (byte) rel, (byte) (rel >> 8), (byte) (rel >> 16), (byte) (rel >> 24)};
        kernel.memory().poke(at, jmp);
        kernel.log(sc.id(), sc.current(), "slot-write", "slot", hex(at), "insn", "jmp 0x" + Long.toHexString(target));
    }

    private static void preemptDisable(Task t) {
        t.preemptDisable();
    }

    private static void preemptEnable(Task t) {
        t.preemptEnableNoResched();
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
