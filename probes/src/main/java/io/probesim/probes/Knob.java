package io.probesim.probes;

/**
 * A knob switches one safety measure off (shared/spec/invariants.md). Each one names the
 * matrix row it belongs to and whether this version of the model implements it. A knob whose
 * row is a B row switches a design beyond the seeds on instead (B2's optimizer stack scan).
 */
public enum Knob {
    BOOST_PREEMPTIBLE("boostPreemptible", "S1", true,
            "boost even where preemption is enabled on CONFIG_PREEMPT"),
    SKIP_SYNC_BEFORE_FREE("skipSyncBeforeFree", "S2", true,
            "free a boosted probe's slot without waiting for synchronize_sched"),
    OPTIMIZE_WITHOUT_WAIT("optimizeWithoutWait", "S3", true,
            "write the optimized jump without waiting for a quiescent period"),
    POKE_WITHOUT_STOP_MACHINE("pokeWithoutStopMachine", "S5", true,
            "text_poke_smp writes without stop_machine"),
    POKE_BP_SKIP_SYNC("pokeBpSkipSync", "S6", true,
            "text_poke_bp skips the core syncs between its writes"),
    SKIP_BOUNDARY_CHECK("skipBoundaryCheck", "S7", true,
            "optimize a region that straddles the function end"),
    SKIP_INDIRECT_JUMP_CHECK("skipIndirectJumpCheck", "S8", true,
            "optimize in a function with an indirect jump"),
    SKIP_JUMP_TARGET_CHECK("skipJumpTargetCheck", "S9", true,
            "optimize although a jump targets the inside of the region"),
    SKIP_EXTABLE_CHECK("skipExtableCheck", "S10", true,
            "optimize over an instruction with an exception-table entry"),
    FREE_DETOUR_WITHOUT_UNOPTIMIZE("freeDetourWithoutUnoptimize", "S11", true,
            "free the detour buffer before unoptimizing"),
    NO_REENTRANCY_GUARD("noReentrancyGuard", "S13", true,
            "recurse into handlers on a reentrant hit instead of counting a miss"),
    NO_BRANCH_EMULATION("noBranchEmulation", "S15", false,
            "single-step branches out of line instead of emulating them"),
    DELIVER_SIGNALS_DURING_STEP("deliverSignalsDuringStep", "S16", false,
            "deliver signals while a task steps in its XOL slot"),
    IGNORE_SAVED_TF("ignoreSavedTf", "S17", false,
            "clear TF after the step although the task had set it"),
    XOL_OVERWRITE_BUSY("xolOverwriteBusy", "S18", false,
            "hand out a busy XOL slot instead of waiting"),
    NO_RIP_REL_FIXUP("noRipRelFixup", "S19", false,
            "execute RIP-relative instructions out of line without rewriting them"),
    NO_REMOVED_PROBE_CHECK("noRemovedProbeCheck", "S20", true,
            "treat an int3 of a concurrently removed probe as foreign"),
    NO_NMI_NESTING_GUARD("noNmiNestingGuard", "S21", true,
            "let an iret inside an NMI handler re-enable NMIs"),
    SKIP_SYNC_ON_UNREGISTER("skipSyncOnUnregister", "S22", true,
            "return from unregister while handlers may still run");

    private final String dslName;
    private final String row;
    private final boolean implemented;
    private final String description;

    Knob(String dslName, String row, boolean implemented, String description) {
        this.dslName = dslName;
        this.row = row;
        this.implemented = implemented;
        this.description = description;
    }

    public String dslName() { return dslName; }
    public String row() { return row; }
    public boolean implemented() { return implemented; }
    public String description() { return description; }

    public static java.util.Optional<Knob> byName(String name) {
        for (Knob k : values()) if (k.dslName.equals(name)) return java.util.Optional.of(k);
        return java.util.Optional.empty();
    }
}
