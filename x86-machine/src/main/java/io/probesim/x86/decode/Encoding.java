package io.probesim.x86.decode;

/** (Internal: public for the assembler.) How an opcode is encoded: legacy prefixes, or a VEX, EVEX or AMD XOP prefix. */
public enum Encoding { LEGACY, VEX, EVEX, XOP }
