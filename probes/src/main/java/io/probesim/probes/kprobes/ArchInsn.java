package io.probesim.probes.kprobes;

/**
 * arch_specific_insn: the instruction slot holding the copy, the copy's length and the
 * booster's three-state `boostable` (-1 never, 0 not yet measured, 1 boosted).
 */
public final class ArchInsn {
    private final long slot;
    private final int length;
    private int boostable;
    /** v5.13 int3 single-step: the emulation of an instruction the slot cannot step, or null. */
    private EmulateOp emulateOp;

    public ArchInsn(long slot, int length, int boostable) {
        this.slot = slot;
        this.length = length;
        this.boostable = boostable;
    }

    public long slot() { return slot; }
    public int length() { return length; }
    public int boostable() { return boostable; }
    public void setBoostable(int b) { boostable = b; }

    public EmulateOp emulateOp() { return emulateOp; }
    public void setEmulateOp(EmulateOp op) { emulateOp = op; }

    /** kprobe_emulate_*: carries out the probed instruction on the trapped registers. */
    public interface EmulateOp {
        void emulate(Kprobe p, io.probesim.x86.kernel.PtRegs regs);
    }
}
