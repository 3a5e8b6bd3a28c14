package io.probesim.x86.cost;

/**
 * The named cost parameters of the model (DESIGN.md "Cost model"): hardware trap costs and the
 * cycles charged by kernel routines that run as Java. Each constant carries its default and
 * where the default comes from; a run may override any of them through {@link CostModel}, which
 * is how calibration varies (at most four of) them. Instruction-class cycles (ALU, load, branch,
 * pushf, ...) are fixed from Agner Fog's tables and stay in {@code cpu.CycleCosts}, the
 * interpreter's hot path; this enum is the one place of everything that may be fitted.
 *
 * <p>Defaults are for the seeds' machine (Xeon E5410, Core 2 Penryn, 2.33 GHz). "estimate" means
 * no primary source gives the figure; such defaults were chosen as orders of magnitude and are
 * what calibration is for.
 */
public enum Cost {
    // --- hardware transitions -------------------------------------------------------------------
    /**
     * Exception or interrupt entry through the IDT (int3, #PF, an IRQ): estimate, chosen so a
     * boosted kprobe hit lands near seed 001's 0.43 us on x86-64. Note: an int3 is charged it
     * twice, once by the CPU (the instruction) and once by the kernel's trap entry.
     */
    TRAP_ENTRY(200, "estimate; seed 001 booster row"),
    /** The single-step debug trap's entry (#DB after a TF step): estimate, as TRAP_ENTRY. */
    DEBUG_TRAP_ENTRY(200, "estimate; as TRAP_ENTRY"),
    /** iret/iretq back from a trap: estimate (microcoded, serializing). */
    IRET(100, "estimate; serializing microcoded return"),

    // --- kprobes host routines ------------------------------------------------------------------
    /** kprobe_handler's own work: get_kprobe's hash lookup, the ctlblk, preempt_disable. */
    KPROBE_HANDLER(150, "estimate; hash lookup plus ctlblk bookkeeping"),
    /** One call of a user handler (pre or post) through its function pointer, with an empty body. */
    HANDLER_CALL(40, "estimate; indirect call and return of an empty handler"),
    /** post_kprobe_handler / resume_execution: the fixups after the single step. */
    POST_PROCESS(150, "estimate; resume_execution's fixups"),
    /** optimized_callback + opt_pre_handler bookkeeping around the handler call (the detour's instructions are charged as they run). */
    OPTIMIZED_CALLBACK(60, "estimate [?]"),
    /** The boosted kretprobe trampoline's handler: the instance lookup and bookkeeping. */
    KRETPROBE_TRAMPOLINE_HANDLER(120, "estimate");

    private final long defaultCycles;
    private final String source;

    Cost(long defaultCycles, String source) {
        this.defaultCycles = defaultCycles;
        this.source = source;
    }

    public long defaultCycles() { return defaultCycles; }

    /** Where the default comes from. */
    public String source() { return source; }

    /** The lower-case name used on the command line and in reports, e.g. {@code trap_entry}. */
    public String key() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static java.util.Optional<Cost> byKey(String key) {
        for (Cost c : values()) if (c.key().equals(key) || c.name().equals(key)) return java.util.Optional.of(c);
        return java.util.Optional.empty();
    }
}
