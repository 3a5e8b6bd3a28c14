package io.probesim.x86.cpu;

/**
 * The one table of modelled cycles per instruction class and per hardware trap, for the seeds'
 * machine: Xeon E5410 2.33 GHz, an Intel Core 2 (Penryn/Harpertown, 45 nm).
 *
 * <p>Sources. Instruction classes: Agner Fog, "Instruction tables" (Technical University of
 * Denmark), section "Intel Core 2 (Merom, 65nm)" and "Intel Core 2 (Wolfdale, 45nm)"; we charge the
 * reciprocal throughput rounded up to whole cycles, except loads, where the L1 load-to-use latency
 * (3 cycles; Agner Fog, "The microarchitecture of Intel, AMD and VIA CPUs", Core 2 chapter) is
 * charged because the interpreter has no overlap. pushf/popf are microcoded (about 17 and 20+
 * uops in those tables). Hardware trap entry and iret are not listed by Agner Fog as usable
 * numbers; they are calibration parameters (io.probesim.x86.cost.Cost, injectable per run) chosen so that a boosted kprobe hit (one int3 trap + one
 * iret + the kernel's host-modelled work) lands near the seed-001 figure of 0.43 us on x86-64
 * (about 1000 cycles at 2.33 GHz) and an optimized hit (no trap: pushf/popf, register saves, a
 * call) near 0.06 us (about 140 cycles). Change them here only.
 *
 * <p>A memory operand adds {@link #LOAD} when read and {@link #STORE} when written to the class
 * cost of the operation.
 */
public final class CycleCosts {
    /** Register ALU operation, mov, lea, nop, shifts, flag-only ops (add r,r: 1 uop, rthroughput 0.33, latency 1). */
    public static final int ALU = 1;
    /** Extra for a memory source operand (L1 hit, load-to-use latency 3). */
    public static final int LOAD = 3;
    /** Extra for a memory destination (store: 1 fused uop, rthroughput 1). */
    public static final int STORE = 1;
    /** Conditional or unconditional branch taken (rthroughput 1-2 for taken branches: 2). */
    public static final int BRANCH_TAKEN = 2;
    /** Conditional branch not taken (rthroughput 1). */
    public static final int BRANCH_NOT_TAKEN = 1;
    /** Indirect jmp r/m extra over a taken branch (the target load or the indirect predictor). */
    public static final int BRANCH_INDIRECT = 2;
    /** call near rel32 (2 uops, rthroughput 2). */
    public static final int CALL = 2;
    /** ret / ret imm16 (rthroughput 2). */
    public static final int RET = 2;
    /** push r / imm (1 uop, rthroughput 1). */
    public static final int PUSH = 1;
    /** pop r (1 uop, rthroughput 1). */
    public static final int POP = 1;
    /** pushf (microcoded, about 17 uops, rthroughput about 7). */
    public static final int PUSHF = 7;
    /** popf (microcoded, 20+ uops, rthroughput about 20). */
    public static final int POPF = 20;
    /** leave (3 uops, rthroughput about 3). */
    public static final int LEAVE = 3;
    /** xchg r,m (implicitly locked: about 20 cycles). */
    public static final int XCHG_MEM = 20;
    /** cli / sti (microcoded, a few cycles). */
    public static final int CLI_STI = 3;
    /** Serializing instruction (cpuid on Core 2: about 200 cycles). */
    public static final int SERIALIZING = 200;
    /** 64-bit div/idiv (Core 2: tens of cycles; rthroughput about 40 for 64-bit). */
    public static final int DIV = 40;
    /** imul (rthroughput 1, latency 3-5). */
    public static final int MUL = 3;
    /** iret/iretq: the default of the calibration parameter {@link io.probesim.x86.cost.Cost#IRET}. */
    public static final int IRET = (int) io.probesim.x86.cost.Cost.IRET.defaultCycles();
    /** IDT entry, e.g. the int3 trap: the default of {@link io.probesim.x86.cost.Cost#TRAP_ENTRY}. */
    public static final int TRAP_ENTRY = (int) io.probesim.x86.cost.Cost.TRAP_ENTRY.defaultCycles();
    /** The debug (single-step) trap entry: the default of {@link io.probesim.x86.cost.Cost#DEBUG_TRAP_ENTRY}. */
    public static final int DEBUG_TRAP_ENTRY = (int) io.probesim.x86.cost.Cost.DEBUG_TRAP_ENTRY.defaultCycles();
    /**
     * The syscall instruction's transition to CPL 0 (charged by the kernel model at entry, the
     * interpreter returning Step.SYSCALL for the kernel to finish). Estimate: Agner Fog's Core 2
     * tables give no usable figure for syscall/sysret; a null system call round trip on a Core 2
     * class machine with a 2.6 kernel takes on the order of 0.1 us, about 230 cycles at 2.33 GHz,
     * which we split into {@code SYSCALL + SYSRET} (hardware, 70 each) and the kernel's entry and
     * exit work (CostTable.SYSCALL_ENTRY, SYSCALL_EXIT). Calibration parameters (issue 4).
     */
    public static final int SYSCALL = 70;
    /** sysret back to CPL 3 (estimate: see {@link #SYSCALL}). int $0x80 returns with {@link #IRET}. */
    public static final int SYSRET = 70;
    /** hlt itself (the time asleep is the kernel model's). */
    public static final int HLT = 1;

    /** loop/loope/loopne (Core 2: 11 uops, rthroughput about 5). */
    public static final int LOOP = 5;
    /** Extra for rcl/rcr by more than 1 (microcoded on Core 2: rthroughput about 4). */
    public static final int RCL_RCR = 3;
    /** Extra for bt* with a memory operand and a register bit offset (bit-string form, microcoded: about 5 more). */
    public static final int BIT_STRING = 5;
    /** lfence (Core 2: 2 uops, rthroughput about 8). */
    public static final int LFENCE = 8;
    /** mfence (Core 2: 2 uops, rthroughput about 9). */
    public static final int MFENCE = 9;
    /** sfence (Core 2: 2 uops, rthroughput about 9). */
    public static final int SFENCE = 9;
    /** pause (Core 2: a short delay of a few cycles; Skylake and later lengthened it). */
    public static final int PAUSE = 5;

    private CycleCosts() {}
}
