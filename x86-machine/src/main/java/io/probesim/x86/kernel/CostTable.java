package io.probesim.x86.kernel;

/**
 * Cycles charged by kernel routines that run as Java. Instruction, trap-entry and iret costs live in
 * the CPU's CycleCosts; these are the host-side routines, named after the routine they stand for.
 * Values are order-of-magnitude estimates for a Core 2 class CPU until calibration (issue 4)
 * fits them on the published tables.
 */
public final class CostTable {
    private CostTable() {}

    /** switch_to plus the scheduler's pick. */
    public static final long CONTEXT_SWITCH = 800;
    /** Timer interrupt handler body (tick accounting, scheduler tick). */
    public static final long TIMER_HANDLER = 600;
    /** Entering synchronize_sched before blocking. */
    public static final long SYNCHRONIZE_SCHED_CALL = 200;
    /** cond_resched() when there is nothing to do. */
    public static final long COND_RESCHED = 20;
    /** One text write of a few bytes including the cache flush of the era. */
    public static final long TEXT_POKE = 400;
    /** Sending one IPI (smp_call_function's queueing and the APIC write). */
    public static final long IPI_SEND = 200;
    /** One turn of the wait for the other CPUs to run an IPI's function (csd_lock_wait). */
    public static final long CSD_WAIT_SPIN = 50;
}
