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

    /**
     * System call entry work after the hardware transition: saving the user registers (pt_regs),
     * the number check and the table dispatch (entry_SYSCALL_64 / entry_INT80). With
     * {@link #SYSCALL_EXIT} and CycleCosts.SYSCALL/SYSRET it makes a null call of about 230
     * cycles, the order of a Core 2 class machine's null system call (~0.1 us at 2.33 GHz;
     * see CycleCosts.SYSCALL). Estimates until calibration.
     */
    public static final long SYSCALL_ENTRY = 50;
    /** System call exit work: the pending-work check and restoring the user registers. */
    public static final long SYSCALL_EXIT = 40;
    /** getpid's body (a few loads). */
    public static final long SYS_GETPID = 10;
    /** clock_gettime's body: reading the clocksource (rdtsc, about 30 cycles on Core 2) and converting. */
    public static final long SYS_CLOCK_GETTIME = 60;
    /** gettimeofday's body: as clock_gettime plus the division to microseconds. */
    public static final long SYS_GETTIMEOFDAY = 80;
    /** write's body to the console (fd lookup, copy_from_user, the tty layer): an estimate per call. */
    public static final long SYS_WRITE = 500;
    /** exit's body up to the final schedule (releasing the mm and files of a small static program). */
    public static final long SYS_EXIT = 2000;
    /** search_exception_tables() plus the fixup, after a kernel-mode fault's trap entry. */
    public static final long EXTABLE_FIXUP = 50;
    /** Sending one IPI (smp_call_function's queueing and the APIC write). */
    public static final long IPI_SEND = 200;
    /** One turn of the wait for the other CPUs to run an IPI's function (csd_lock_wait). */
    public static final long CSD_WAIT_SPIN = 50;
}
