package io.probesim.probes.optprobes.x86;

import io.probesim.x86.asm.Assembler;
import io.probesim.x86.asm.Assembly;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.kernel.PtRegs;

import java.util.Map;

/**
 * The x86-64 detour buffer of an optimized probe (spec 3.3), assembled with our assembler at
 * its slot: save the probed context as pt_regs-like data on the stack, call the optimized
 * callback with the probe's id and a pointer to that data, restore everything, run the copied
 * instructions of the region and jump back behind it. Our own sequence following the
 * documented steps (the kernel's optprobe_template_func is not copied).
 */
public final class DetourBuffer {

    /** Bytes reserved per buffer in the detour slot cache (the sequence below is at most 104). */
    public static final int SIZE = 128;

    /**
     * Slot (8 bytes each, from the saved area's base = rsp at the call) of gpr 0..15: the pushes
     * go rax, rcx, rdx, rbx, rbp, rsi, rdi, r8..r15 after the sp slot and the flags, so r15 is
     * at the base and rax at slot 14; flags at 15, the sp slot at 16.
     */
    public static final PtRegs.SavedLayout LAYOUT = new PtRegs.SavedLayout(
            new int[]{14, 13, 12, 11, 16, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, 15, 16);

    private static final String SAVE = """
                    push %rsp            # the sp slot: rsp as it was at the probe
                    pushf
                    push %rax
                    push %rcx
                    push %rdx
                    push %rbx
                    push %rbp
                    push %rsi
                    push %rdi
                    push %r8
                    push %r9
                    push %r10
                    push %r11
                    push %r12
                    push %r13
                    push %r14
                    push %r15
                    mov  %rsp, %rsi      # the saved registers, as the callback's pt_regs
                    mov  $PROBE_ID, %edi  # the probe
                    call optimized_callback
                    mov  0x78(%rsp), %rax  # the (handler-visible) flags ...
                    mov  %rax, 0x80(%rsp)  # ... into the sp slot, where popf finds them
                    pop  %r15
                    pop  %r14
                    pop  %r13
                    pop  %r12
                    pop  %r11
                    pop  %r10
                    pop  %r9
                    pop  %r8
                    pop  %rdi
                    pop  %rsi
                    pop  %rbp
                    pop  %rbx
                    pop  %rdx
                    pop  %rcx
                    pop  %rax
                    lea  8(%rsp), %rsp     # drop the flags slot (lea leaves the flags alone)
                    popf
            copied:
            """;

    private final Assembly assembly;
    private final long copy;

    private DetourBuffer(Assembly assembly) {
        this.assembly = assembly;
        this.copy = assembly.symbol("copied").address();
    }

    /**
     * The buffer at `at` for probe `id`: calls `callback`, then runs `copied` (the region's
     * original instructions) and jumps to `resume` (probe address + region length).
     */
    public static DetourBuffer assemble(long at, int id, long callback, byte[] copied, long resume) {
        StringBuilder src = new StringBuilder(SAVE.replace("PROBE_ID", Integer.toString(id)));
        src.append("        .byte ");
        for (int i = 0; i < copied.length; i++) src.append(i == 0 ? "" : ", ").append(copied[i] & 0xff);
        src.append("\n        jmp  resume\n");
        Assembly a = Assembler.assemble(src.toString(), at, Mode.BITS64,
                Map.of("optimized_callback", callback, "resume", resume));
        if (a.code().length > SIZE) throw new IllegalStateException("detour buffer of " + a.code().length + " bytes");
        return new DetourBuffer(a);
    }

    public byte[] code() { return assembly.code(); }

    /** Where the copied instructions start: a hit before the jump is written resumes here. */
    public long copy() { return copy; }
}
