package io.probesim.sim;

/** What a choice point decides; strategies may treat kinds differently (dfs never branches on GAP/STALL). */
public enum ChoiceKind {
    /** Which of several actors or tasks goes next when the order is otherwise undetermined. */
    TIE,
    /** Phase of a periodic source (a timer tick) relative to the start of the run. */
    PHASE,
    /** Arrival jitter of an interrupt or the cost jitter of an instruction within its band. */
    JITTER,
    /** How many steps until the next injected stall (0: none any more). */
    GAP,
    /** How long an injected stall lasts, in {@link Chooser#STALL_UNIT_PS} units. */
    STALL,
    /** Any other input the model leaves open (a value a host task reads, a branch of a workload). */
    DATA
}
