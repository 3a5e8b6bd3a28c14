package io.probesim.report.measure;

import io.probesim.x86.decode.Mode;

/**
 * The code a timing case runs: assembly placed at kernel text, the function the probe goes on,
 * and the machine's mode. The host task calls {@code target} {@code hits} times, once with the
 * probe and once without, so everything but the probe's own cost cancels out.
 *
 * @param text   the function(s), in the project assembler's AT&T syntax
 * @param target the probed function's symbol
 * @param mode   a 64-bit or a 32-bit machine
 * @param call   the function the counted loop calls (the target itself, or a caller of it)
 */
public record Workload(String text, String target, Mode mode, String call) {

    /** The jprobe cases' mirror: a function that only calls jprobe_return (an empty handler). */
    public static final String MIRROR = "mirror";

    /** A workload that calls the probed function itself. */
    public Workload(String text, String target, Mode mode) {
        this(text, target, mode, target);
    }

    /**
     * A small leaf function with a frame-pointer prologue, like most probed kernel functions of
     * the seeds' time: its first instruction (push) is boostable by seed 000's table and the first
     * seven bytes make a region a jump can replace. The mirror after it is the jprobe cases'.
     */
    public static Workload standard(Mode mode) {
        String text = mode == Mode.BITS64 ? """
                probed:  push %rbp
                         mov  %rsp, %rbp
                         mov  %rdi, %rax
                         add  $1, %rax
                         pop  %rbp
                         ret
                mirror:  call jprobe_return
                """ : """
                probed:  push %ebp
                         mov  %esp, %ebp
                         mov  %ecx, %eax
                         add  $1, %eax
                         pop  %ebp
                         ret
                mirror:  call jprobe_return
                """;
        return new Workload(text, "probed", mode);
    }

    public String arch() {
        return arch(mode);
    }

    public static String arch(Mode mode) {
        return mode == Mode.BITS64 ? "x86-64" : "x86-32";
    }
}
