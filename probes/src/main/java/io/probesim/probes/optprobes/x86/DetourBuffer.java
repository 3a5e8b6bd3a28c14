package io.probesim.probes.optprobes.x86;

import io.probesim.x86.asm.Assembler;
import io.probesim.x86.asm.Assembly;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.kernel.PtRegs;

import java.util.Map;

/**
 * The detour buffer of an optimized probe (spec 3.3), x86-64 or i386: save the probed context as
 * pt_regs-like data on the stack, call the optimized callback with the probe's id and a pointer
 * to that data, restore everything, run the copied instructions of the region and jump back
 * behind it. Our own sequence following the documented steps (the kernel's
 * optprobe_template_func is not copied).
 *
 * <p>As arch_prepare_optimized_kprobe does with its template, the save/call/restore part is
 * assembled once ({@link Template}, by our assembler) and each buffer is a copy of it with three
 * fields patched: the probe id (the imm32 of the mov to edi), the call's rel32, and after the
 * copied instructions a {@code jmp rel32} back (synthesize_reljump). Assembling the text per
 * probe cost about a millisecond, which dominated registering thousands of probes.
 *
 * <p>The i386 sequence ({@link #SAVE_32}) follows the 2.6.34-3.x i386 template's steps
 * (arch/x86/kernel/kprobes.c, later kprobes/opt.c): pushf, then the rest of a kernel-mode
 * pt_regs image (ebx at the base ... eax, the segment/orig_ax/ip/cs words, flags on top; no sp
 * field: sp is where it would be), the regs pointer in edx and the probe in eax (regparm(3):
 * optimized_callback(op, regs)), the call, the pops, and popf. The kernel pushes fs, es, ds
 * there; segments are not modelled, so one `sub` reserves those words with the others.
 */
public final class DetourBuffer {

    /** Bytes reserved per buffer in the detour slot cache (the sequences below are at most 104). */
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
                    mov  $0x7fffffff, %edi  # the probe (the id is patched in)
            id_end:
                    call optimized_callback  # (the rel32 is patched)
            call_end:
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

    /**
     * i386: word slots (4 bytes each, from esp at the call) of gpr 0..7. The pushes go eax, ebp,
     * edi, esi, edx, ecx, ebx below 7 reserved words (cs, ip, orig_ax, gs, fs, es, ds) and the
     * flags, so ebx is at the base, eax at 6, flags at 14, and sp is slot 15's address.
     */
    public static final PtRegs.SavedLayout LAYOUT_32 = new PtRegs.SavedLayout(
            new int[]{6, 1, 2, 0, 15, 5, 3, 4}, 14, 15, true);

    private static final String SAVE_32 = """
                    pushf                # regs->flags; sp is the address above it
                    sub  $28, %esp       # cs, ip, orig_ax, gs, fs, es, ds (not modelled)
                    push %eax
                    push %ebp
                    push %edi
                    push %esi
                    push %edx
                    push %ecx
                    push %ebx
                    mov  %esp, %edx      # the saved registers, as the callback's pt_regs (2nd regparm)
                    mov  $0x7fffffff, %eax  # the probe, 1st regparm (the id is patched in)
            id_end:
                    call optimized_callback  # (the rel32 is patched)
            call_end:
                    pop  %ebx
                    pop  %ecx
                    pop  %edx
                    pop  %esi
                    pop  %edi
                    pop  %ebp
                    pop  %eax
                    add  $28, %esp       # skip the reserved words (popf below restores the flags)
                    popf                 # regs->flags, as the handler left them
            copied:
            """;

    private final byte[] code;
    private final long copy;

    private DetourBuffer(byte[] code, long copy) {
        this.code = code;
        this.copy = copy;
    }

    /**
     * The buffer at `at` for probe `id`: calls `callback`, then runs `copied` (the region's
     * original instructions) and jumps to `resume` (probe address + region length).
     */
    public static DetourBuffer assemble(long at, int id, long callback, byte[] copied, long resume) {
        return assemble(Mode.BITS64, at, id, callback, copied, resume);
    }

    /** As {@link #assemble(long, int, long, byte[], long)}, for a 64-bit or a 32-bit kernel. */
    public static DetourBuffer assemble(Mode mode, long at, int id, long callback, byte[] copied, long resume) {
        Template t = mode == Mode.BITS64 ? Template.BITS64 : Template.BITS32;
        int jmpAt = t.copied + copied.length;
        byte[] code = new byte[jmpAt + JMP_REL32_SIZE];
        if (code.length > SIZE) throw new IllegalStateException("detour buffer of " + code.length + " bytes");
        System.arraycopy(t.code, 0, code, 0, t.copied);
        putInt(code, t.idEnd - 4, id);
        putInt(code, t.callEnd - 4, rel32(callback, at + t.callEnd, "the optimized callback"));
        System.arraycopy(copied, 0, code, t.copied, copied.length);
        code[jmpAt] = JMP_REL32;
        putInt(code, jmpAt + 1, rel32(resume, at + jmpAt + JMP_REL32_SIZE, "the probed function"));
        return new DetourBuffer(code, at + t.copied);
    }

    /**
     * The save/call/restore sequence assembled once (anywhere: the patched fields are all it
     * has that depends on where a buffer lies), with the offsets of the fields to patch.
     */
    private static final class Template {
        static final Template BITS64 = new Template(SAVE, Mode.BITS64);
        static final Template BITS32 = new Template(SAVE_32, Mode.BITS32);
        /** Where the assembled template lies; the callback is put near it so that rel32 fits. */
        private static final long ORIGIN = 0x100000;

        final byte[] code;
        final int idEnd;
        final int callEnd;
        final int copied;

        private Template(String text, Mode mode) {
            Assembly a = Assembler.assemble(text, ORIGIN, mode, Map.of("optimized_callback", ORIGIN + 0x1000));
            code = a.code();
            idEnd = offset(a, "id_end");
            callEnd = offset(a, "call_end");
            copied = offset(a, "copied");
            // The fields must be where the patching expects them: imm32 last in the mov, and a call rel32.
            if (getInt(code, idEnd - 4) != 0x7fffffff || code[callEnd - 5] != CALL_REL32 || copied != code.length) {
                throw new IllegalStateException("detour template: unexpected encoding " + java.util.HexFormat.of().formatHex(code));
            }
        }

        private static int offset(Assembly a, String label) {
            return (int) (a.symbol(label).address() - ORIGIN);
        }
    }

    private static final byte JMP_REL32 = (byte) 0xe9;
    private static final byte CALL_REL32 = (byte) 0xe8;
    private static final int JMP_REL32_SIZE = 5;

    /** target - next as a rel32; refused when the two lie more than 2 GiB apart. */
    private static int rel32(long target, long next, String what) {
        long rel = target - next;
        if (rel != (int) rel) {
            throw new IllegalStateException("detour buffer: " + what + " at 0x" + Long.toHexString(target)
                    + " is out of rel32 reach of 0x" + Long.toHexString(next));
        }
        return (int) rel;
    }

    private static void putInt(byte[] b, int at, int v) {
        for (int i = 0; i < 4; i++) b[at + i] = (byte) (v >> (8 * i));
    }

    private static int getInt(byte[] b, int at) {
        int v = 0;
        for (int i = 0; i < 4; i++) v |= (b[at + i] & 0xff) << (8 * i);
        return v;
    }

    public byte[] code() { return code; }

    /** Where the copied instructions start: a hit before the jump is written resumes here. */
    public long copy() { return copy; }
}
