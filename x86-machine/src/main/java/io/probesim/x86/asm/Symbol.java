package io.probesim.x86.asm;

/** A label: address, and size = distance to the next label or to the end of the code. */
public record Symbol(String name, long address, long size) {}
