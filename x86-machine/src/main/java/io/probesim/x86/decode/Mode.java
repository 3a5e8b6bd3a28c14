package io.probesim.x86.decode;

/** Processor mode the bytes are decoded in: 64-bit long mode or 32-bit protected flat mode. */
public enum Mode { BITS32, BITS64 }
