package io.probesim.x86.exec;

import io.probesim.sim.log.EventLog;

/**
 * How a program run ended, with the machine's figures: instructions executed by all CPUs, the
 * simulated time in nanoseconds (the latest CPU's local time), for a killed program or a kernel
 * oops the message saying why, and the run's event log (system calls, ticks, switches, faults).
 */
public record ExecResult(Outcome outcome, int exitStatus, String message, long instructions, long simulatedNs, EventLog eventLog) {

    public enum Outcome {
        /** The program called exit or exit_group; exitStatus is its status. */
        EXITED,
        /** A fault in user mode ended it (signals are not modelled); message says which. */
        KILLED,
        /** The instruction limit was reached first. */
        INSTRUCTION_LIMIT,
        /** The kernel model oopsed; message says where. */
        OOPS
    }
}
