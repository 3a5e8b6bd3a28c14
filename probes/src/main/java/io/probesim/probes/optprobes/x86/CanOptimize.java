package io.probesim.probes.optprobes.x86;

import io.probesim.probes.Era;
import io.probesim.probes.Knob;
import io.probesim.probes.ProbeConfig;
import io.probesim.probes.kprobes.Errno;
import io.probesim.probes.kprobes.Kprobe;
import io.probesim.probes.kprobes.KprobeException;
import io.probesim.probes.kprobes.Kprobes;
import io.probesim.probes.kprobes.x86.X86Kprobes;
import io.probesim.x86.decode.DecodeException;
import io.probesim.x86.decode.Decoder;
import io.probesim.x86.decode.FlowKind;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Operand;
import io.probesim.x86.format.AttFormatter;
import io.probesim.x86.kernel.Kernel;
import io.probesim.x86.kernel.SymbolTable;
import io.probesim.x86.mem.MemoryFault;


/**
 * can_optimize() and copy_optimized_instructions()' checks (spec 3.1 and 3.2, seed 001): whether
 * the probe's region may be replaced by a 5-byte jump. Each refusal is a {@link KprobeException}
 * with the errno the kernel would use and why. Rows S7-S10 each drop exactly one check through
 * their knob:
 * <ul>
 * <li>S7 {@link Knob#SKIP_BOUNDARY_CHECK}: at least 5 bytes from the probe to the function end;</li>
 * <li>S8 {@link Knob#SKIP_INDIRECT_JUMP_CHECK}: no indirect jmp (FF /4, FF /5, EA) in the function;</li>
 * <li>S9 {@link Knob#SKIP_JUMP_TARGET_CHECK}: no relative jmp/Jcc/loop/jcxz of the function targets
 *     bytes addr+1..addr+4, the jump's displacement (the kernel checks exactly those 4 bytes: an
 *     instruction that starts at addr+5 or later is still intact after the patch);</li>
 * <li>S10 {@link Knob#SKIP_EXTABLE_CHECK}: no instruction of the function has an exception-table entry.</li>
 * </ul>
 * The function is decoded from the bytes it had before any probe: int3 of registered probes and
 * jumps of optimized ones are replaced by the saved bytes first (recover_probed_instruction).
 */
public final class CanOptimize {

    public static final int JMP_SIZE = 5;
    /** The jump's displacement: a branch may not target these bytes after the first (RELATIVE_ADDR_SIZE). */
    static final int DISP_SIZE = 4;
    private static final int MAX_INSN_SIZE = 15;
    private static final byte INT3 = (byte) 0xCC;

    private CanOptimize() {}

    /** The region to optimize, or a KprobeException whose message says why not. */
    public static OptRegion check(Kprobes core, Kprobe p) {
        Kernel kernel = core.kernel();
        ProbeConfig config = core.config();
        long addr = p.address();
        SymbolTable symbols = kernel.symbols();
        SymbolTable.Symbol fn = symbols.containing(addr).orElseThrow(() ->
                refuse(Errno.EINVAL, p, "0x" + Long.toHexString(addr) + " is in no function kallsyms knows (no size to check against)"));
        if (kernel.natives().contains(addr)) {
            throw refuse(Errno.EINVAL, p, "it is in entry text (" + fn.name() + "), whose stack and registers are not yet a kernel context");
        }
        long end = fn.address() + fn.size();
        if (end - addr < JMP_SIZE && !config.has(Knob.SKIP_BOUNDARY_CHECK)) {
            throw refuse(Errno.EINVAL, p, "only " + (end - addr) + " bytes remain to the end of " + fn.name()
                    + ": a " + JMP_SIZE + "-byte jump would straddle into what follows it");
        }
        checkFunction(core, p, fn);
        return copyRegion(core, p);
    }

    /** can_optimize's walk over the whole function. */
    private static void checkFunction(Kprobes core, Kprobe p, SymbolTable.Symbol fn) {
        Kernel kernel = core.kernel();
        ProbeConfig config = core.config();
        long addr = p.address();
        int size = (int) fn.size();
        byte[] code = recover(core, fn.address(), size);
        long at = fn.address();
        long end = fn.address() + size;
        while (at < end) {
            int off = (int) (at - fn.address());
            if (code[off] == INT3) {
                if (allInt3(code, off)) break;   // trailing int3 padding
                throw refuse(Errno.EINVAL, p, "an int3 at " + symbols(kernel).describe(at)
                        + " that no kprobe owns: someone else (a debugger?) patched " + fn.name());
            }
            Instruction insn;
            try {
                insn = Decoder.decode(code, off, at, kernel.config().mode());
            } catch (DecodeException e) {
                throw refuse(Errno.EINVAL, p, "cannot decode " + symbols(kernel).describe(at) + ": " + e.getMessage());
            }
            if (!config.has(Knob.SKIP_EXTABLE_CHECK) && kernel.exceptionTable().search(at).isPresent()) {
                throw refuse(Errno.EINVAL, p, text(insn) + " at " + symbols(kernel).describe(at)
                        + " has an exception-table entry: its fault fixup would jump back into the function");
            }
            if (!config.has(Knob.SKIP_INDIRECT_JUMP_CHECK) && isIndirectJump(insn)) {
                throw refuse(Errno.EINVAL, p, fn.name() + " has an indirect jump (" + text(insn) + " at "
                        + symbols(kernel).describe(at) + "): its target, a jump table maybe, cannot be checked");
            }
            if (!config.has(Knob.SKIP_JUMP_TARGET_CHECK)) {
                long target = relativeJumpTarget(insn);
                if (target > addr && target <= addr + DISP_SIZE) {
                    throw refuse(Errno.EINVAL, p, text(insn) + " at " + symbols(kernel).describe(at)
                            + " jumps to " + symbols(kernel).describe(target) + ", inside the jump that would replace the region");
                }
            }
            at += insn.length();
        }
    }

    /** copy_optimized_instructions: whole instructions from the probe until 5 bytes are covered. */
    private static OptRegion copyRegion(Kprobes core, Kprobe p) {
        Kernel kernel = core.kernel();
        long addr = p.address();
        byte[] window;
        try {
            window = recover(core, addr, JMP_SIZE - 1 + MAX_INSN_SIZE);
        } catch (MemoryFault e) {
            window = recoverMapped(core, addr, JMP_SIZE - 1 + MAX_INSN_SIZE);
        }
        int len = 0;
        while (len < JMP_SIZE) {
            long at = addr + len;
            Instruction insn;
            try {
                insn = Decoder.decode(window, len, at, kernel.config().mode());
            } catch (DecodeException | IndexOutOfBoundsException e) {
                throw refuse(Errno.EINVAL, p, "cannot copy the instruction at " + symbols(kernel).describe(at) + ": it does not decode");
            }
            if (insn.bytes()[0] == INT3) {
                throw refuse(Errno.EINVAL, p, "the region holds an int3 at " + symbols(kernel).describe(at));
            }
            if (insn.ripRelative()) {
                throw refuse(Errno.EINVAL, p, text(insn) + " at " + symbols(kernel).describe(at)
                        + " is RIP-relative: the detour copy's displacement fixup is not modelled [?]");
            }
            if (!boostable(core.config().era(), insn)) {
                throw refuse(Errno.EINVAL, p, text(insn) + " at " + symbols(kernel).describe(at)
                        + " is not boostable in era " + core.config().era().dslName() + ": it cannot run from the detour buffer");
            }
            len += insn.length();
        }
        for (int i = 1; i < len; i++) {
            Kprobe other = core.get(addr + i);
            if (other != null && (other.flags() & Kprobe.FLAG_DISABLED) == 0) {
                throw refuse(Errno.EEXIST, p, "kprobe " + other.name() + " sits inside the region (byte " + i + " of " + len + ")");
            }
        }
        byte[] copied = new byte[len];
        System.arraycopy(window, 0, copied, 0, len);
        return new OptRegion(addr, len, copied);
    }

    /** The era's booster table decides what may run from the detour buffer (spec 3.2). */
    static boolean boostable(Era era, Instruction insn) {
        return switch (era.boosterTable()) {
            case SEED_000 -> X86Kprobes.canBoost(insn, insn.mode());   // on i386 0x40-0x4f are inc/dec, not REX
            case MODERN -> X86Kprobes.canBoost(era, insn, false); // the exception table is checked above (S10)
        };
    }

    static boolean isIndirectJump(Instruction insn) {
        if (insn.map() != 0) return false;
        if (insn.opcode() == 0xea) return true;                   // far jmp ptr16:32 (32-bit)
        if (insn.opcode() != 0xff || insn.modrm() < 0) return false;
        int reg = (insn.modrm() >> 3) & 7;
        return reg == 4 || reg == 5;                              // jmp r/m, jmp far m16:xx
    }

    /** The target of a relative jmp, Jcc, loop or jcxz (calls do not count, as in the kernel); -1 for others. */
    static long relativeJumpTarget(Instruction insn) {
        FlowKind f = insn.flow();
        if (f != FlowKind.JMP && f != FlowKind.JCC && f != FlowKind.LOOP) return -1;
        for (Operand o : insn.operands()) {
            if (o instanceof Operand.Rel r) return r.target();
        }
        return -1;
    }

    /**
     * The bytes at [start, start+size) as they were before any probe: a registered probe's int3
     * shows its saved byte, an optimized probe's jump its saved region.
     */
    public static byte[] recover(Kprobes core, long start, int size) {
        byte[] code = core.kernel().memory().read(start, size);
        restore(core, start, code);
        return code;
    }

    /** As {@link #recover}, but only the mapped prefix (a region at the very end of mapped text). */
    private static byte[] recoverMapped(Kprobes core, long start, int size) {
        int n = size;
        while (n > 0) {
            try {
                byte[] code = core.kernel().memory().read(start, n);
                restore(core, start, code);
                return code;
            } catch (MemoryFault e) {
                n--;
            }
        }
        return new byte[0];
    }

    private static void restore(Kprobes core, long start, byte[] code) {
        for (int i = 0; i < code.length; i++) {
            Kprobe k = core.get(start + i);
            if (k != null && code[i] == INT3) code[i] = k.savedOpcode();
        }
        core.optimizer().recoverBytes(start, code);   // regions under written jumps
    }

    private static boolean allInt3(byte[] code, int from) {
        for (int i = from; i < code.length; i++) if (code[i] != INT3) return false;
        return true;
    }

    private static String text(Instruction insn) {
        return "'" + AttFormatter.format(insn).trim() + "'";
    }

    private static SymbolTable symbols(Kernel kernel) {
        return kernel.symbols();
    }

    private static KprobeException refuse(Errno errno, Kprobe p, String why) {
        return new KprobeException(errno, "cannot optimize " + p + ": " + why);
    }
}
