package io.probesim.x86.kernel;

import io.probesim.x86.mem.Memory;

/**
 * The register image of a trapped context, as handlers see it: ip, flags and sp live in the
 * trap frame on the stack (what iret will load), the general registers are the CPU's own
 * (Java handlers leave them alone, so they still hold the trapped values).
 *
 * <p>Frame fields are machine words (8 bytes on x86-64, 4 on i386). An i386 kernel-mode trap
 * frame has no sp field: sp is the address where that field would be (kernel_stack_pointer,
 * see {@link TrapFrame}), and cannot be changed through the registers.
 */
public final class PtRegs {

    /** Field indexes of the frame, in words. */
    private static final int FRAME_IP = 0, FRAME_FLAGS = 2, FRAME_SP = 3;
    private static final String[] NAMES = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};

    private final SimCpu cpu;
    private final long frame;
    /** Non-null for registers a detour buffer saved: each register's 8-byte slot from {@link #frame}. */
    private final SavedLayout saved;
    /** The ip a detour buffer's handlers see (the saved area has no ip). */
    private long savedIp;
    /** The frame's word: 8, or 4 on a 32-bit machine. */
    private final int word;
    /** An i386 same-privilege trap frame: sp is the frame's end, not a field. */
    private final boolean spIsFrameEnd;

    /** The registers of a trap the entry code just framed. */
    PtRegs(SimCpu cpu, long frame) {
        this(cpu, frame, null, 0, true);
    }

    private PtRegs(SimCpu cpu, long frame, SavedLayout saved, long ip, boolean trapEntry) {
        this.cpu = cpu;
        this.frame = frame;
        this.saved = saved;
        this.savedIp = ip;
        this.word = cpu.kernel().wordBytes();
        this.spIsFrameEnd = trapEntry && saved == null && word == 4
                && (cpu.kernel().memory().load(frame + word, word) & 3) == 0;
    }

    /**
     * Where a register-saving sequence (an optprobe detour buffer) put each register: the slot
     * index (one machine word each, from the area's base) of gpr 0..15 (0..7 on i386; sp's
     * entry is unused), of the flags and of sp. `spIsSlotAddress`: the i386 kernel-mode pt_regs
     * has no sp field, sp is the address of that slot (kernel_stack_pointer), read-only.
     */
    public record SavedLayout(int[] gprSlots, int flagsSlot, int spSlot, boolean spIsSlotAddress) {
        public SavedLayout {
            gprSlots = gprSlots.clone();
        }

        public SavedLayout(int[] gprSlots, int flagsSlot, int spSlot) {
            this(gprSlots, flagsSlot, spSlot, false);
        }
    }

    /**
     * The registers saved on the stack at `base` by code that then calls a handler (the
     * optprobe detour buffer), as the handler sees them: every register, flags and sp read from
     * and written to the saved area, and `ip` as the handler's view of where the probe hit.
     */
    public static PtRegs saved(SimCpu cpu, long base, SavedLayout layout, long ip) {
        return new PtRegs(cpu, base, layout, ip, false);
    }

    /**
     * A register view over a pt_regs-shaped area at `frame` (ip, cs, flags, sp, ss; machine
     * words) that code other than the trap entry built, such as the kretprobe trampoline: all
     * five fields are there, sp included.
     */
    public static PtRegs at(SimCpu cpu, long frame) {
        return new PtRegs(cpu, frame, null, 0, false);
    }

    private Memory mem() {
        return cpu.kernel().memory();
    }

    private long field(int index) { return mem().load(frame + (long) word * index, word); }
    private void setField(int index, long v) { mem().store(frame + (long) word * index, word, v); }
    /** A saved area's slots are machine words too (pushes of 8, or 4 bytes on i386). */
    private long slot(int index) { return mem().load(frame + (long) word * index, word); }
    private void setSlot(int index, long v) { mem().store(frame + (long) word * index, word, v); }

    public long getIp() { return saved != null ? savedIp : field(FRAME_IP); }
    public void setIp(long ip) {
        if (saved != null) savedIp = ip;
        else setField(FRAME_IP, ip);
    }
    public long getFlags() { return saved != null ? slot(saved.flagsSlot()) : field(FRAME_FLAGS); }
    public void setFlags(long flags) {
        if (saved != null) setSlot(saved.flagsSlot(), flags);
        else setField(FRAME_FLAGS, flags);
    }
    public long getSp() {
        if (saved != null) return saved.spIsSlotAddress() ? frame + (long) word * saved.spSlot() : slot(saved.spSlot());
        return spIsFrameEnd ? frame + (long) word * FRAME_SP : field(FRAME_SP);
    }
    public void setSp(long sp) {
        if (saved != null && saved.spIsSlotAddress()) throw new IllegalStateException("an i386 kernel-mode pt_regs has no sp to change (sp is where the field would be)");
        else if (saved != null) setSlot(saved.spSlot(), sp);
        else if (spIsFrameEnd) throw new IllegalStateException("an i386 kernel-mode trap frame has no sp to change (iret keeps the stack)");
        else setField(FRAME_SP, sp);
    }

    /** The machine word of this frame: 8, or 4 on a 32-bit machine. */
    public int wordBytes() { return word; }

    public long gpr(int index) {
        if (index == 4) return getSp();
        return saved != null ? slot(saved.gprSlots()[index]) : cpu.cpu().gpr[index];
    }

    public void setGpr(int index, long value) {
        if (index == 4) setSp(value);
        else if (saved != null) setSlot(saved.gprSlots()[index], value);
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
        for (int i = 0; i < (saved != null ? saved.gprSlots().length : 16); i++) sb.append(' ').append(NAMES[i]).append("=0x").append(Long.toHexString(gpr(i)));
        return sb.toString();
    }
}
