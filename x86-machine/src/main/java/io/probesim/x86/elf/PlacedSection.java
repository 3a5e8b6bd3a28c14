package io.probesim.x86.elf;

/** An allocatable section of a loaded object: where it went and with which page permissions. */
public record PlacedSection(int index, String name, long address, long size, int perms, boolean executable) {
    public long end() {
        return address + size;
    }

    public boolean contains(long addr) {
        return addr >= address && addr < address + size;
    }
}
