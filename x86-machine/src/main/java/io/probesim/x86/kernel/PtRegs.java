package io.probesim.x86.kernel;

import io.probesim.x86.mem.Memory;

/**
 * The register image of a trapped context, as handlers see it: ip, flags and sp live in the
 * trap frame on the stack (what iret will load), the general registers are the CPU's own
 * (Java handlers leave them alone, so they still hold the trapped values).
 */
public final class PtRegs {

    private static final int FRAME_IP = 0, FRAME_FLAGS = 16, FRAME_SP = 24;
    private static final String[] NAMES = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    private final SimCpu cpu;
    private final long frame;
    /** Non-null for registers a detour buffer saved: each register's 8-byte slot from {@link #frame}. */
    private final SavedLayout saved;
    /** The ip a detour buffer's handlers see (the saved area has no ip). */
    private long savedIp;

    PtRegs(SimCpu cpu, long frame) {
        this(cpu, frame, null, 0);
    }

    private PtRegs(SimCpu cpu, long frame, SavedLayout saved, long ip) {
        this.cpu = cpu;
        this.frame = frame;
        this.saved = saved;
        this.savedIp = ip;
    }

    /**
     * Where a register-saving sequence (an optprobe detour buffer) put each register: the slot
     * index (8 bytes each, from the area's base) of gpr 0..15 (rsp's entry is unused), of the
     * flags and of sp.
     */
    public record SavedLayout(int[] gprSlots, int flagsSlot, int spSlot) {
        public SavedLayout {
            gprSlots = gprSlots.clone();
        }
    }

    /**
     * The registers saved on the stack at `base` by code that then calls a handler (the
     * optprobe detour buffer), as the handler sees them: every register, flags and sp read from
     * and written to the saved area, and `ip` as the handler's view of where the probe hit.
     */
    public static PtRegs saved(SimCpu cpu, long base, SavedLayout layout, long ip) {
        return new PtRegs(cpu, base, layout, ip);
    }

    /**
     * A register view over a pt_regs-shaped area at `frame` (ip, cs, flags, sp, ss) that code
     * other than the trap entry built, such as the kretprobe trampoline.
     */
    public static PtRegs at(SimCpu cpu, long frame) {
        return new PtRegs(cpu, frame);
    }

    private Memory mem() {
        return cpu.kernel().memory();
    }

    public long getIp() { return saved != null ? savedIp : mem().read64(frame + FRAME_IP); }
    public void setIp(long ip) {
        if (saved != null) savedIp = ip;
        else mem().write64(frame + FRAME_IP, ip);
    }
    public long getFlags() { return mem().read64(frame + (saved != null ? 8L * saved.flagsSlot() : FRAME_FLAGS)); }
    public void setFlags(long flags) { mem().write64(frame + (saved != null ? 8L * saved.flagsSlot() : FRAME_FLAGS), flags); }
    public long getSp() { return mem().read64(frame + (saved != null ? 8L * saved.spSlot() : FRAME_SP)); }
    public void setSp(long sp) { mem().write64(frame + (saved != null ? 8L * saved.spSlot() : FRAME_SP), sp); }

    public long gpr(int index) {
        if (index == 4) return getSp();
        return saved != null ? mem().read64(frame + 8L * saved.gprSlots()[index]) : cpu.cpu().gpr[index];
    }

    public void setGpr(int index, long value) {
        if (index == 4) setSp(value);
        else if (saved != null) mem().write64(frame + 8L * saved.gprSlots()[index], value);
        else cpu.cpu().gpr[index] = value;
    }

    public long getAx() { return gpr(0); }
    public void setAx(long v) { setGpr(0, v); }
    public long getBx() { return gpr(3); }
    public long getCx() { return gpr(1); }
    public long getDx() { return gpr(2); }
    public long getSi() { return gpr(6); }
    public long getDi() { return gpr(7); }
    public long getBp() { return gpr(5); }

    public SimCpu getCpu() {
        return cpu;
    }

    /** The trapped task's preempt_count, as a handler would read it. */
    public int getPreemptCount() {
        return cpu.current().preemptCount();
    }

    /** Calls a kernel function by symbol from the handler (see {@link SimCpu#callFunction}). */
    public long call(String symbol, long... args) {
        return cpu.callFunction(cpu.kernel().symbols().require(symbol).address(), args);
    }

    public long frameAddress() {
        return frame;
    }

    @Override
    public String toString() {
        var sb = new StringBuilder("ip=0x").append(Long.toHexString(getIp()))
                .append(" flags=0x").append(Long.toHexString(getFlags()));
        for (int i = 0; i < 16; i++) sb.append(' ').append(NAMES[i]).append("=0x").append(Long.toHexString(gpr(i)));
        return sb.toString();
    }
}
