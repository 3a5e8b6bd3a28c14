package io.probesim.x86.cpu;

import io.probesim.x86.decode.Mode;

/**
 * Everything {@link Cpu#save()} captures and {@link Cpu#load(CpuState)} restores: the
 * architectural state a context switch moves (not the decoded-instruction cache, not the memory).
 * {@code gpr} is a private copy (16 entries, rax..r15).
 */
public record CpuState(Mode mode, long[] gpr, long rip, long rflags, int cs, int ss, int cpl,
                       long fsBase, long gsBase, long kernelGsBase, long dr6, boolean interruptShadow) {
    public CpuState {
        if (gpr.length != 16) throw new IllegalArgumentException("gpr needs 16 registers, got " + gpr.length);
        gpr = gpr.clone();
    }

    /** A copy of the registers (the record keeps its own). */
    @Override
    public long[] gpr() {
        return gpr.clone();
    }

    /** One register without copying the array. */
    public long gpr(int i) {
        return gpr[i];
    }
}
