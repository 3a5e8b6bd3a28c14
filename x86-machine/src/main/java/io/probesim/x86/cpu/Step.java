package io.probesim.x86.cpu;

/**
 * Outcomes of {@link Cpu#step()}: {@link #OK}, {@link #HALT}, or an exception vector (0..31)
 * returned as the int itself. A vector is never negative, so {@code r >= 0} means "exception".
 */
public final class Step {
    /** The instruction completed. */
    public static final int OK = -1;
    /** hlt executed; rip is after the hlt. */
    public static final int HALT = -2;

    /** syscall executed: rip after it, rcx = that rip, r11 = rflags; the kernel model does the rest. */
    public static final int SYSCALL = -3;

    /** int imm8 executed: rip after it, {@link Cpu#softwareVector()} is the vector; the kernel model checks the gate. */
    public static final int INT = -4;

    /** Divide error (fault: rip at the instruction). */
    public static final int DE = 0;
    /** Debug: the single-step trap after an instruction that started with TF set (rip after it). */
    public static final int DB = 1;
    /** Non-maskable interrupt (delivered by the kernel model, never returned by step). */
    public static final int NMI = 2;
    /** Breakpoint: int3 (trap: rip after the int3). */
    public static final int BP = 3;
    /** Invalid opcode: ud2, or an instruction that decodes but is outside the executed subset. */
    public static final int UD = 6;
    /** Stack-segment fault: a non-canonical stack address (SDM: an SS-relative access). */
    public static final int SS = 12;
    /** General protection: non-canonical address or branch target, privileged instruction at CPL 3. */
    public static final int GP = 13;
    /** Page fault: unmapped page or missing permission; faultAddress() and errorCode() describe it. */
    public static final int PF = 14;

    private Step() {}

    /** The step result for an exception vector. */
    public static int fault(int vector) {
        if (vector < 0 || vector > 31) throw new IllegalArgumentException("vector " + vector);
        return vector;
    }

    public static boolean isException(int r) {
        return r >= 0;
    }

    /** "OK", "HALT", "#PF", "#UD", ... or "vector N". */
    public static String name(int r) {
        switch (r) {
            case OK: return "OK";
            case HALT: return "HALT";
            case SYSCALL: return "SYSCALL";
            case INT: return "INT";
            case DE: return "#DE";
            case DB: return "#DB";
            case NMI: return "NMI";
            case BP: return "#BP";
            case UD: return "#UD";
            case SS: return "#SS";
            case GP: return "#GP";
            case PF: return "#PF";
            default: return "vector " + r;
        }
    }
}
