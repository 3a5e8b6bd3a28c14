package io.probesim.probes.kprobes.x86;

import io.probesim.probes.kprobes.ArchInsn;
import io.probesim.probes.kprobes.Errno;
import io.probesim.probes.kprobes.Kprobe;
import io.probesim.probes.kprobes.KprobeException;
import io.probesim.x86.cpu.Flags;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Operand;
import io.probesim.x86.decode.Prefixes;
import io.probesim.x86.format.AttFormatter;
import io.probesim.x86.kernel.PtRegs;
import io.probesim.x86.kernel.SimCpu;
import io.probesim.x86.mem.Memory;

/**
 * The v5.13 emulation table (arch/x86/kernel/kprobes/core.c, prepare_emulation and the
 * kprobe_emulate_* functions): the instructions an int3-ended slot cannot step, because they
 * move ip or change IF, are carried out by the int3 handler on the trapped registers instead.
 * Each op runs with regs.ip = probe address + 1 (just after the int3) and leaves ip where the
 * original instruction would have; {@link #prepare} refuses what the kernel refuses with
 * EOPNOTSUPP.
 *
 * <p>Where the kernel's emulation differs from the CPU the kernel is modelled, not the CPU
 * (read from the source; the tests pin each case against our interpreter): LOOP/LOOPE/LOOPNE
 * test the count before decrementing it (`cx-- != 0`), a 32-bit-address LOOP writes only the low
 * half of rcx, `ret $imm16` does not release the imm16 bytes and `lret` pops ip only.
 */
final class Emulation {

    private Emulation() {}

    /** IF modifiers (cli, sti, pushf, popf), the branches, and the JNG/JNLE bug switch of the Jcc table. */
    sealed interface Op extends ArchInsn.EmulateOp permits IfModifier, Ret, Call, Jmp, Jcc, Loop, CallIndirect, JmpIndirect {}

    /** prepare_emulation: the op for `insn`, null when it is single-stepped, or EOPNOTSUPP. */
    static Op prepare(Instruction insn, String where, boolean jngAndBug) {
        byte[] b = insn.bytes();
        int op = insn.opcode();
        int size = insn.length();
        if (insn.map() == 1) {
            if ((op & 0xf0) == 0x80) return new Jcc(op & 0xf, rel(insn), size, jngAndBug);
            if (op == 0x01 && modrmReg(insn) == 0 && modrmMod(insn) == 3) throw refused(insn, where, "a VM extension instruction");
            return null;
        }
        if (insn.map() != 0) return null;
        return switch (op) {
            case 0xfa, 0xfb, 0x9c, 0x9d -> new IfModifier(op, size);
            case 0xc2, 0xc3, 0xca, 0xcb -> new Ret(size);
            case 0x9a, 0xea -> throw refused(insn, where, "a far absolute call or jmp (segments are not supported)");
            case 0xcc -> throw refused(insn, where, "an int3");
            case 0xcf -> throw refused(insn, where, "an iret (in-kernel iret is not supported)");
            case 0xe8 -> new Call(rel(insn), size);
            case 0xe9, 0xeb -> new Jmp(rel(insn), size);
            case 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
                 0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f -> new Jcc(op & 0xf, rel(insn), size, jngAndBug);
            case 0xe0, 0xe1, 0xe2, 0xe3 -> new Loop(op & 3, insn.has(Prefixes.ADDRSIZE) ? 32 : 64, rel(insn), size);
            case 0xff -> indirect(insn, where, size);
            default -> null;
        };
    }

    private static Op indirect(Instruction insn, String where, int size) {
        int reg = modrmReg(insn);
        if (reg == 3 || reg == 5) throw refused(insn, where, "a far indirect call or jmp");
        if (reg != 2 && reg != 4) return null;                     // inc, dec, push: single-stepped
        if (insn.has(Prefixes.ADDRSIZE)) throw refused(insn, where, "an indirect branch with another address size");
        if (modrmMod(insn) != 3) throw refused(insn, where, "an indirect branch through memory (the kernel emulates register forms only)");
        int r = ((Operand.Reg) insn.op(0)).reg();
        return reg == 2 ? new CallIndirect(r, size) : new JmpIndirect(r);
    }

    private static long rel(Instruction insn) {
        for (Operand o : insn.operands()) if (o instanceof Operand.Rel r) return r.target() - insn.next();
        throw new IllegalStateException("no relative operand in " + insn);
    }

    private static int modrmReg(Instruction insn) { return (insn.modrm() >> 3) & 7; }
    private static int modrmMod(Instruction insn) { return (insn.modrm() >> 6) & 3; }

    private static KprobeException refused(Instruction insn, String where, String what) {
        return new KprobeException(Errno.EOPNOTSUPP, "cannot probe " + where + ": " + AttFormatter.format(insn).trim()
                + " is " + what + ", which the int3 single-step can neither step nor emulate");
    }

    /** The address after the original instruction: regs.ip is the probe address + 1 (the int3). */
    private static long next(PtRegs regs, int size) {
        return regs.getIp() - 1 + size;
    }

    private static Memory mem(PtRegs regs) {
        return regs.getCpu().kernel().memory();
    }

    private static void push(PtRegs regs, long v) {
        long sp = regs.getSp() - 8;
        mem(regs).write64(sp, v);
        regs.setSp(sp);
    }

    private static long pop(PtRegs regs) {
        long sp = regs.getSp();
        long v = mem(regs).read64(sp);
        regs.setSp(sp + 8);
        return v;
    }

    /** kprobe_emulate_ifmodifiers: cli, sti, pushf (the trapped flags), popf (all of them). */
    record IfModifier(int opcode, int size) implements Op {
        @Override public void emulate(Kprobe p, PtRegs regs) {
            switch (opcode) {
                case 0xfa -> regs.setFlags(regs.getFlags() & ~SimCpu.IF);
                case 0xfb -> regs.setFlags(regs.getFlags() | SimCpu.IF);
                case 0x9c -> push(regs, regs.getFlags());
                default -> regs.setFlags(pop(regs));
            }
            regs.setIp(next(regs, size));
        }
    }

    /** kprobe_emulate_ret: pops ip, for c2/ca (imm16) and cb/ca (far) as for c3. */
    record Ret(int size) implements Op {
        @Override public void emulate(Kprobe p, PtRegs regs) {
            regs.setIp(pop(regs));
        }
    }

    /** kprobe_emulate_call: push the next address, go to it plus rel32. */
    record Call(long rel, int size) implements Op {
        @Override public void emulate(Kprobe p, PtRegs regs) {
            long next = next(regs, size);
            push(regs, next);
            regs.setIp(next + rel);
        }
    }

    /** kprobe_emulate_jmp (eb, e9). */
    record Jmp(long rel, int size) implements Op {
        @Override public void emulate(Kprobe p, PtRegs regs) {
            regs.setIp(next(regs, size) + rel);
        }
    }

    /**
     * kprobe_emulate_jcc: types 0-b test OF, CF, ZF, CF|ZF, SF, PF (odd types invert); c/d test
     * SF^OF; e/f (jle/jg) test (SF^OF) or ZF. Before the 2022 fix they used "and" ({@code jngAndBug}).
     */
    record Jcc(int type, long rel, int size, boolean jngAndBug) implements Op {
        private static final long[] MASK = {Flags.OF, Flags.CF, Flags.ZF, Flags.CF | Flags.ZF, Flags.SF, Flags.PF};

        @Override public void emulate(Kprobe p, PtRegs regs) {
            long f = regs.getFlags();
            boolean match;
            if (type < 0xc) {
                match = (f & MASK[type >> 1]) != 0;
            } else {
                match = ((f & Flags.SF) != 0) != ((f & Flags.OF) != 0);
                if (type >= 0xe) match = jngAndBug ? match && (f & Flags.ZF) != 0 : match || (f & Flags.ZF) != 0;
            }
            boolean taken = match != ((type & 1) != 0);
            regs.setIp(next(regs, size) + (taken ? rel : 0));
        }
    }

    /**
     * kprobe_emulate_loop: type 0 loopne, 1 loope, 2 loop, 3 jcxz/jecxz/jrcxz. The kernel tests the
     * count before it decrements it, and a 32-bit count is written back into the low half only.
     */
    record Loop(int type, int asize, long rel, int size) implements Op {
        @Override public void emulate(Kprobe p, PtRegs regs) {
            long cx = regs.getCx();
            boolean match;
            if (type != 3) {
                if (asize == 32) {
                    match = (cx & 0xffffffffL) != 0;
                    regs.setGpr(1, (cx & ~0xffffffffL) | ((cx - 1) & 0xffffffffL));
                } else {
                    match = cx != 0;
                    regs.setGpr(1, cx - 1);
                }
            } else {
                match = (asize == 32 ? cx & 0xffffffffL : cx) == 0;
            }
            long zf = regs.getFlags() & Flags.ZF;
            if (type == 0) match = match && zf == 0;
            else if (type == 1) match = match && zf != 0;
            regs.setIp(next(regs, size) + (match ? rel : 0));
        }
    }

    /** kprobe_emulate_call_indirect (ff /2, register forms). */
    record CallIndirect(int reg, int size) implements Op {
        @Override public void emulate(Kprobe p, PtRegs regs) {
            long target = regs.gpr(reg);
            push(regs, next(regs, size));
            regs.setIp(target);
        }
    }

    /** kprobe_emulate_jmp_indirect (ff /4, register forms). */
    record JmpIndirect(int reg) implements Op {
        @Override public void emulate(Kprobe p, PtRegs regs) {
            regs.setIp(regs.gpr(reg));
        }
    }
}
