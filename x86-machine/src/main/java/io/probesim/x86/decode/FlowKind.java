package io.probesim.x86.decode;

/** How an instruction changes the flow of control (NONE: falls through to the next one). */
public enum FlowKind { NONE, JMP, JCC, CALL, RET, IRET, JMP_INDIRECT, CALL_INDIRECT, INT, HLT, LOOP, FAR }
