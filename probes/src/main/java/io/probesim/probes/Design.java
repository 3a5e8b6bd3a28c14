package io.probesim.probes;

import java.util.Optional;

/**
 * A design no kernel has shipped ("beyond the seeds" in shared/spec/invariants.md), switched on
 * on top of an era: unlike a knob it adds a safety measure (or moves one) instead of removing it.
 */
public enum Design {
    /**
     * B1: the 2006 booster on CONFIG_PREEMPT too (a task may be preempted inside a boosted slot),
     * made safe by waiting for synchronize_rcu_tasks instead of synchronize_sched before a slot
     * is freed: a task preempted in the slot holds that wait until it has left the slot and
     * switched voluntarily.
     */
    B1_BOOSTER_RCU_TASKS("b1", "B1", "boost on CONFIG_PREEMPT too; wait for synchronize_rcu_tasks before freeing a slot"),
    /**
     * B2: optprobes on CONFIG_PREEMPT with the 2010 design, plus seed 001's TODO "by stack
     * unwinding and checking address": after synchronize_sched the optimizer scans every live
     * ip and saved frame and defers a jump while one is inside its region.
     */
    B2_OPTIMIZER_STACK_SCAN("b2", "B2", "after synchronize_sched the optimizer scans every live ip and saved frame and defers a jump while one is inside its region");

    private final String dslName;
    private final String row;
    private final String description;

    Design(String dslName, String row, String description) {
        this.dslName = dslName;
        this.row = row;
        this.description = description;
    }

    public String dslName() { return dslName; }
    public String row() { return row; }
    public String description() { return description; }

    public static Optional<Design> byName(String name) {
        for (Design d : values()) if (d.dslName.equals(name)) return Optional.of(d);
        return Optional.empty();
    }
}
