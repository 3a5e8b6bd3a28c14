package io.probesim.x86.cpu;

import io.probesim.x86.decode.FlowKind;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Mnemonic;
import io.probesim.x86.decode.Operand;
import io.probesim.x86.decode.Prefixes;

/**
 * A decode-cache entry: the instruction plus, for the handful of forms that make up most of
 * what compilers emit, its operands resolved once so that {@link Cpu} runs it without type tests
 * on operands or a walk through the general executor. Anything else has form {@link #GENERIC}
 * and runs through the general executor. A specialised form must behave exactly as the general
 * path does (same faults, flags, memory order and cycles): the host-CPU specs exercise the hot
 * forms, and the golden event-log hashes pin the cycles.
 *
 * @param form  one of the form constants
 * @param alu   for ALU forms, which operation (the mnemonic)
 * @param size  operand size in bytes
 * @param reg   the register operand (destination when there are two registers), -1 when none
 * @param reg2  the second register operand, -1 when none
 * @param imm   the immediate, or a branch target
 * @param base  memory operand base register, -1 when none
 * @param index memory operand index register, -1 when none
 * @param scale memory operand scale
 * @param disp  memory operand displacement; for a RIP-relative operand the absolute address
 * @param next  the address of the next instruction
 */
record CachedInstruction(Instruction insn, int form, Mnemonic alu, int size, int reg, int reg2, long imm,
                         int base, int index, int scale, long disp, long next) {

    CachedInstruction(Instruction insn, int form, Mnemonic alu, int size, int reg, int reg2, long imm,
                      int base, int index, int scale, long disp) {
        this(insn, form, alu, size, reg, reg2, imm, base, index, scale, disp, insn.next());
    }

    static final int GENERIC = 0;
    static final int NOP = 1;
    static final int MOV_RR = 2, MOV_RI = 3, MOV_RM = 4, MOV_MR = 5, MOV_MI = 6, LEA = 7;
    static final int PUSH_R = 8, POP_R = 9;
    static final int CALL_REL = 10, RET = 11, JMP_REL = 12, JCC = 13;
    static final int ALU_RR = 14, ALU_RI = 15, ALU_RM = 16, ALU_MR = 17, ALU_MI = 18;

    /** Classifies {@code insn} for a CPU in 64-bit ({@code long64}) or 32-bit mode. */
    static CachedInstruction of(Instruction insn, boolean long64) {
        Operand[] ops = insn.operands();
        Mnemonic m = insn.mnemonic();
        switch (m) {
            case NOP: case ENDBR64: case ENDBR32:
                return simple(insn, NOP, 0);
            case MOV:
                if (ops.length == 2) return move(insn, ops[0], ops[1]);
                break;
            case LEA:
                if (gpr(ops[0]) && simpleMem(ops[1], insn)) {
                    return withMem(insn, LEA, null, ops[0].size(), reg(ops[0]), -1, 0, (Operand.Mem) ops[1]);
                }
                break;
            case PUSH:
            case POP: {
                int n = insn.opSize() == 0 ? (long64 ? 8 : 4) : insn.opSize();
                if (ops.length == 1 && gpr(ops[0]) && ops[0].size() == n && n == (long64 ? 8 : 4)) {
                    return new CachedInstruction(insn, m == Mnemonic.PUSH ? PUSH_R : POP_R, null, n, reg(ops[0]),
                            -1, 0, -1, -1, 0, 0);
                }
                break;
            }
            case CALL:
                if (ops.length == 1 && ops[0] instanceof Operand.Rel r && nearWidth(insn, long64)) {
                    return branch(insn, CALL_REL, r);
                }
                break;
            case RET:
                if (insn.flow() == FlowKind.RET && ops.length == 0 && nearWidth(insn, long64)) return simple(insn, RET, 0);
                break;
            case JMP:
                if (ops.length == 1 && ops[0] instanceof Operand.Rel r) return branch(insn, JMP_REL, r);
                break;
            case ADD: case ADC: case SUB: case SBB: case CMP: case AND: case OR: case XOR: case TEST:
                if (ops.length == 2) return alu(insn, m, ops[0], ops[1]);
                break;
            default:
                if (insn.flow() == FlowKind.JCC && isJcc(insn) && ops.length == 1 && ops[0] instanceof Operand.Rel r) {
                    return new CachedInstruction(insn, JCC, null, 0, insn.cc(), -1, r.target(), -1, -1, 0, 0);
                }
        }
        return simple(insn, GENERIC, 0);
    }

    /** A near call or return of the mode's width (32-bit mode: not a 66-prefixed 16-bit one). */
    private static boolean nearWidth(Instruction insn, boolean long64) {
        return long64 || insn.opSize() == 0 || insn.opSize() == 4;
    }

    private static boolean isJcc(Instruction insn) {
        int op = insn.opcode();
        return (insn.map() == 0 && op >= 0x70 && op <= 0x7f) || (insn.map() == 1 && op >= 0x80 && op <= 0x8f);
    }

    private static CachedInstruction move(Instruction insn, Operand d, Operand s) {
        if (gpr(d)) {
            if (gpr(s)) return regs(insn, MOV_RR, null, d, s);
            if (s instanceof Operand.Imm i) return new CachedInstruction(insn, MOV_RI, null, d.size(), reg(d), -1,
                    i.value(), -1, -1, 0, 0);
            if (simpleMem(s, insn)) return withMem(insn, MOV_RM, null, d.size(), reg(d), -1, 0, (Operand.Mem) s);
        } else if (simpleMem(d, insn)) {
            if (gpr(s)) return withMem(insn, MOV_MR, null, d.size(), reg(s), -1, 0, (Operand.Mem) d);
            if (s instanceof Operand.Imm i) return withMem(insn, MOV_MI, null, d.size(), -1, -1, i.value(), (Operand.Mem) d);
        }
        return simple(insn, GENERIC, 0);
    }

    private static CachedInstruction alu(Instruction insn, Mnemonic m, Operand d, Operand s) {
        if (gpr(d)) {
            if (gpr(s)) return regs(insn, ALU_RR, m, d, s);
            if (s instanceof Operand.Imm i) return new CachedInstruction(insn, ALU_RI, m, d.size(), reg(d), -1,
                    i.value(), -1, -1, 0, 0);
            if (simpleMem(s, insn)) return withMem(insn, ALU_RM, m, d.size(), reg(d), -1, 0, (Operand.Mem) s);
        } else if (simpleMem(d, insn)) {
            if (gpr(s)) return withMem(insn, ALU_MR, m, d.size(), reg(s), -1, 0, (Operand.Mem) d);
            if (s instanceof Operand.Imm i) return withMem(insn, ALU_MI, m, d.size(), -1, -1, i.value(), (Operand.Mem) d);
        }
        return simple(insn, GENERIC, 0);
    }

    private static CachedInstruction simple(Instruction insn, int form, int size) {
        return new CachedInstruction(insn, form, null, size, -1, -1, 0, -1, -1, 0, 0);
    }

    private static CachedInstruction branch(Instruction insn, int form, Operand.Rel r) {
        return new CachedInstruction(insn, form, null, 0, -1, -1, r.target(), -1, -1, 0, 0);
    }

    private static CachedInstruction regs(Instruction insn, int form, Mnemonic m, Operand d, Operand s) {
        return new CachedInstruction(insn, form, m, d.size(), reg(d), reg(s), 0, -1, -1, 0, 0);
    }

    private static CachedInstruction withMem(Instruction insn, int form, Mnemonic m, int size, int reg, int reg2,
                                             long imm, Operand.Mem mem) {
        long disp = mem.ripRelative() ? insn.next() + mem.disp() : mem.disp();
        return new CachedInstruction(insn, form, m, size, reg, reg2, imm, mem.base(), mem.index(), mem.scale(), disp);
    }

    /** A general register the fast path may write in place: not ah/ch/dh/bh. */
    private static boolean gpr(Operand o) {
        return o instanceof Operand.Reg r && r.reg() < 16 && !r.highByte();
    }

    private static int reg(Operand o) {
        return ((Operand.Reg) o).reg();
    }

    /** A memory operand without a segment override or address-size prefix. */
    private static boolean simpleMem(Operand o, Instruction insn) {
        return o instanceof Operand.Mem m && m.segment() < 0 && !insn.has(Prefixes.ADDRSIZE);
    }
}
