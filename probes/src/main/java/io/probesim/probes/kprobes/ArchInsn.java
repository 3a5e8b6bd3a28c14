package io.probesim.probes.kprobes;

/**
 * arch_specific_insn: the instruction slot holding the copy, the copy's length and the
 * booster's three-state `boostable` (-1 never, 0 not yet measured, 1 boosted).
 */
public final class ArchInsn {
    private final long slot;
    private final int length;
    private int boostable;

    public ArchInsn(long slot, int length, int boostable) {
        this.slot = slot;
        this.length = length;
        this.boostable = boostable;
    }

    public long slot() { return slot; }
    public int length() { return length; }
    public int boostable() { return boostable; }
    public void setBoostable(int b) { boostable = b; }
}
