package io.probesim.x86.elf;

/** A PT_LOAD segment of a loaded executable: its memory range, how much came from the file, its permissions. */
public record LoadSegment(long address, long memorySize, long fileSize, int perms) {
    public long end() {
        return address + memorySize;
    }
}
