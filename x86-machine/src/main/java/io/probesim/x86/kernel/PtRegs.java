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

    PtRegs(SimCpu cpu, long frame) {
        this.cpu = cpu;
        this.frame = frame;
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

    public long getIp() { return mem().read64(frame + FRAME_IP); }
    public void setIp(long ip) { mem().write64(frame + FRAME_IP, ip); }
    public long getFlags() { return mem().read64(frame + FRAME_FLAGS); }
    public void setFlags(long flags) { mem().write64(frame + FRAME_FLAGS, flags); }
    public long getSp() { return mem().read64(frame + FRAME_SP); }
    public void setSp(long sp) { mem().write64(frame + FRAME_SP, sp); }

    public long gpr(int index) {
        return index == 4 ? getSp() : cpu.cpu().gpr[index];
    }

    public void setGpr(int index, long value) {
        if (index == 4) setSp(value);
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
