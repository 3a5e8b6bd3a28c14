package io.probesim.x86.elf;

/** A symbol an object defines, at its loaded address, with the size the compiler recorded. */
public record ObjectSymbol(String name, long address, long size, Kind kind, boolean global, String section) {

    /** STT_FUNC, STT_OBJECT, anything else (STT_NOTYPE labels). */
    public enum Kind { FUNC, OBJECT, OTHER }
}
