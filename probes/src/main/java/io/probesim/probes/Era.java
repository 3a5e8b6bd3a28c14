package io.probesim.probes;

/**
 * The documented behaviour of a time, as data. Only what differs between eras lives here;
 * the code reads these fields instead of branching on the year.
 */
public enum Era {
    /** 2.6.17, seed 000: the i386 booster, plain-store arm/disarm, synchronize_sched. */
    E2006("2006", "kprobes with the first booster (seed 000): int3 + single-step, boosted slots, synchronize_sched before freeing", true, BoosterTable.SEED_000, true, SlotFreeing.IMMEDIATE),
    /** 2.6.34, seed 001: optprobes (issue 4); booster off under CONFIG_PREEMPT. */
    E2010("2010", "jump optimization (seed 001): optprobes wait for a quiescent period, text_poke_smp under stop_machine", true, BoosterTable.SEED_000, false, SlotFreeing.DIRTY_IF_BOOSTED),
    E2017("2017", "text_poke_bp int3 protocol, synchronize_rcu_tasks before optimizing, uprobes push emulation (seed 004)", true, BoosterTable.MODERN, false, SlotFreeing.DIRTY_IF_BOOSTED),
    MODERN("modern", "today's kernels: every safety measure of the matrix on", false, BoosterTable.MODERN, false, SlotFreeing.DIRTY_IF_BOOSTED);

    /** How a freed instruction slot becomes reusable. */
    public enum SlotFreeing { IMMEDIATE, DIRTY_IF_BOOSTED }

    /** Which table decides boostability: seed 000's first-byte grid, or the modern can_boost (spec 2.5). */
    public enum BoosterTable { SEED_000, MODERN }

    private final String dslName;
    private final String description;
    private final boolean postHandlerBeforeFixups;
    private final BoosterTable boosterTable;
    private final boolean boostWherePreemptionDisabled;
    private final SlotFreeing slotFreeing;

    Era(String dslName, String description, boolean postHandlerBeforeFixups, BoosterTable boosterTable,
        boolean boostWherePreemptionDisabled, SlotFreeing slotFreeing) {
        this.dslName = dslName;
        this.description = description;
        this.postHandlerBeforeFixups = postHandlerBeforeFixups;
        this.boosterTable = boosterTable;
        this.boostWherePreemptionDisabled = boostWherePreemptionDisabled;
        this.slotFreeing = slotFreeing;
    }

    public String dslName() { return dslName; }
    public String description() { return description; }
    /** The 2006 i386 code called the post handler before resume_execution's fixups. */
    public boolean postHandlerBeforeFixups() { return postHandlerBeforeFixups; }
    public BoosterTable boosterTable() { return boosterTable; }
    /**
     * On CONFIG_PREEMPT, seed 000 boosts only where preemption is already disabled at the
     * probe point; later kernels do not boost on CONFIG_PREEMPT at all.
     */
    public boolean boostWherePreemptionDisabled() { return boostWherePreemptionDisabled; }
    public SlotFreeing slotFreeing() { return slotFreeing; }

    /** How the optimizer waits before writing jumps (spec 3.4). */
    public enum OptimizerWait { SYNCHRONIZE_SCHED, SYNCHRONIZE_RCU_TASKS }

    /** How an optprobe's jump is written and removed (spec 3.5, 3.6). */
    public enum JumpWriter { TEXT_POKE_SMP, TEXT_POKE_BP }

    /** Jump-optimized kprobes exist (seed 001, 2.6.34) from the 2010 era on. */
    public boolean optprobes() { return this != E2006; }

    /** 2010: synchronize_sched (only correct on !CONFIG_PREEMPT); since v4.15: synchronize_rcu_tasks. */
    public OptimizerWait optimizerWait() { return this == E2010 ? OptimizerWait.SYNCHRONIZE_SCHED : OptimizerWait.SYNCHRONIZE_RCU_TASKS; }

    /** 2010: text_poke_smp under stop_machine; v3.12+: the text_poke_bp int3 protocol. */
    public JumpWriter jumpWriter() { return this == E2010 ? JumpWriter.TEXT_POKE_SMP : JumpWriter.TEXT_POKE_BP; }

    /**
     * Modern booster (spec 2.5, from 2018): the jmp back is written when the probe is prepared,
     * so the first hit already boosts; seed 000 measured the copy by its first single-step.
     */
    public boolean boostJmpAtRegistration() { return boosterTable == BoosterTable.MODERN; }

    /** How a probed instruction runs out of line (spec 2.2, 2.6). */
    public enum SingleStep {
        /** Until v5.13: TF set, the debug trap after the copy runs resume_execution. */
        TF,
        /** v5.13 on: the copy is followed by an int3; IF and ip changers are emulated in the int3 handler. */
        INT3_EMULATE
    }

    /** modern: the v5.13 int3 single-step with emulation; earlier eras step with TF. */
    public SingleStep singleStep() { return this == MODERN ? SingleStep.INT3_EMULATE : SingleStep.TF; }

    public static java.util.Optional<Era> byName(String name) {
        for (Era e : values()) if (e.dslName.equals(name)) return java.util.Optional.of(e);
        return java.util.Optional.empty();
    }
}
