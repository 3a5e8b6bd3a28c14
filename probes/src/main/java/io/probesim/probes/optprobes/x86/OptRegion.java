package io.probesim.probes.optprobes.x86;

/**
 * The region an optimized probe replaces with a 5-byte jump: whole instructions from the probe
 * address covering at least 5 bytes, and their original bytes (what the detour buffer runs).
 */
public record OptRegion(long address, int length, byte[] copied) {
    public OptRegion {
        copied = copied.clone();
    }

    @Override
    public byte[] copied() {
        return copied.clone();
    }

    /** Whether `ip` lies strictly inside the region (bytes 1..length-1). */
    public boolean strictlyInside(long ip) {
        return ip > address && ip < address + length;
    }
}
