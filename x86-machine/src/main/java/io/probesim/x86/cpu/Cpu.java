package io.probesim.x86.cpu;

import io.probesim.x86.decode.ByteSource;
import io.probesim.x86.decode.DecodeException;
import io.probesim.x86.decode.Decoder;
import io.probesim.x86.decode.FlowKind;
import io.probesim.x86.decode.Instruction;
import io.probesim.x86.decode.Mnemonic;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.decode.Operand;
import io.probesim.x86.decode.Prefixes;
import io.probesim.x86.mem.Memory;
import io.probesim.x86.mem.MemoryFault;

import java.util.Arrays;

import static io.probesim.x86.cpu.Flags.*;

/**
 * One x86 CPU: architectural state as plain public data and an interpreter that executes one
 * instruction per {@link #step()}.
 *
 * <p>Instructions are decoded once and kept in a direct-mapped cache keyed by address; an entry is
 * trusted while {@link Memory#codeVersion()} is unchanged and re-checked byte for byte against
 * memory when it changed, so self- and cross-modifying code is exact. The step loop allocates
 * nothing and logs nothing.
 *
 * <p>Precise exceptions: a step that returns a fault vector changed no register, flag or memory
 * byte, and rip is the faulting instruction's address. Traps (int3, the TF single-step trap,
 * syscall) complete the instruction first. See {@link Step}.
 */
public final class Cpu {
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    /** DR6.BS: set with a single-step #DB. */
    public static final long DR6_BS = 1L << 14;
    /** Decode-cache key bit of instructions validated at CPL 3 (see step()). */
    private static final long USER_KEY = 1L << 62;

    /** rax rcx rdx rbx rsp rbp rsi rdi r8..r15. */
    public final long[] gpr = new long[16];
    public long rip;
    /** RFLAGS; bit 1 is always set. */
    public long rflags = RESERVED1;
    /** Selectors, kept as data (flat segments): Linux __KERNEL_CS / __KERNEL_DS by default. */
    public int cs = 0x10, ss = 0x18;
    /** Current privilege level: 0 kernel, 3 user. iretq to a selector with RPL 3 sets it to 3. */
    public int cpl;
    /** FS and GS bases (a %fs: / %gs: memory operand adds them); swapgs exchanges gsBase and kernelGsBase. */
    public long fsBase, gsBase, kernelGsBase;
    /** Debug status; DR6_BS is set on a single-step trap (the kernel clears it). */
    public long dr6;
    /**
     * NMI blocking: set by whoever delivers an NMI (the kernel model), cleared by the next iret,
     * any iret, even one that faults (SDM vol. 3, 6.7.1). Per CPU, not per task: not in CpuState.
     */
    public boolean nmiBlocked;

    private final Mode mode;
    private final boolean long64;
    private Memory memory;

    private int lastCycles;
    // The last step's instruction is remembered as the decode-cache slot holding it, not as a
    // reference: a reference store on every step costs a GC write barrier. Only fetch replaces a
    // slot, so the slot still holds it until the next step; a cache flush stashes it.
    private int lastSlot = -1;
    private Instruction lastStashed;
    private DecodeException lastDecodeError;
    private long faultAddress;
    private int errorCode;
    private boolean interruptShadow;
    private int softwareVector;
    private boolean stackAccess;          // the memory access in flight is SS-relative (#SS, not #GP)

    // decoded-instruction cache (direct-mapped)
    private static final int CACHE_SIZE = 1 << 12;
    private final long[] cacheAddr = new long[CACHE_SIZE];
    private final long[] cacheVersion = new long[CACHE_SIZE];
    private final CachedInstruction[] cacheInsn = new CachedInstruction[CACHE_SIZE];
    private final byte[] fetchBuf = new byte[16];
    private final ByteSource fetchSource = this::fetchByte;
    private long decodeMisses;

    public Cpu(Memory memory, Mode mode) {
        this.memory = memory;
        this.mode = mode;
        this.long64 = mode == Mode.BITS64;
    }

    public Mode mode() { return mode; }

    public Memory memory() { return memory; }

    /** Switches the address space (context switch to another process); drops the decoded instructions. */
    public void setMemory(Memory m) {
        if (m != memory) {
            memory = m;
            invalidateDecodeCache();
        }
    }

    public void invalidateDecodeCache() {
        if (lastSlot >= 0) {
            lastStashed = cacheInsn[lastSlot].insn();
            lastSlot = -1;
        }
        Arrays.fill(cacheInsn, null);
    }

    /** Modelled cycles of the last step (CycleCosts); 0 when it faulted before executing. */
    public int lastCycles() { return lastCycles; }

    /** The instruction the last step executed or refused (#UD, #PF on a data access ...); null when fetch or decode failed. */
    public Instruction lastInstruction() { return lastSlot >= 0 ? cacheInsn[lastSlot].insn() : lastStashed; }

    /** Why the last step's decode failed (#UD with lastInstruction() == null), else null. */
    public DecodeException lastDecodeError() { return lastDecodeError; }

    /** CR2 of the last #PF (the faulting linear address). */
    public long faultAddress() { return faultAddress; }

    /** Error code of the last #PF (bit 0 P, 1 W/R, 2 U/S, 4 I/D), #GP and #SS (0). */
    public int errorCode() { return errorCode; }

    /** The vector of the last int imm8 (Step.INT). */
    public int softwareVector() { return softwareVector; }

    /** True right after an sti that set IF: interrupts are held off for one more instruction. */
    public boolean interruptShadow() { return interruptShadow; }

    /** Number of decodes (cache misses) so far. */
    public long decodeMisses() { return decodeMisses; }

    public CpuState save() {
        return new CpuState(mode, gpr, rip, rflags, cs, ss, cpl, fsBase, gsBase, kernelGsBase, dr6, interruptShadow);
    }

    public void load(CpuState s) {
        if (s.mode() != mode) throw new IllegalArgumentException("state of a " + s.mode() + " cpu loaded into a " + mode + " cpu");
        for (int i = 0; i < 16; i++) gpr[i] = s.gpr(i);
        rip = s.rip();
        rflags = s.rflags() | RESERVED1;
        cs = s.cs();
        ss = s.ss();
        cpl = s.cpl();
        fsBase = s.fsBase();
        gsBase = s.gsBase();
        kernelGsBase = s.kernelGsBase();
        dr6 = s.dr6();
        interruptShadow = s.interruptShadow();
    }

    // ================================================================== step

    /**
     * Executes one instruction; returns Step.OK, Step.HALT or an exception vector (see Step).
     * At CPL 3 every access of the step also needs the page's U bit, and decoded instructions
     * are cached apart from those validated at CPL 0 (their key has bit 62 flipped, which no
     * canonical address has), so a user fetch from a supervisor page faults even when cached.
     */
    public int step() {
        if (cpl != 3) return step(0L);
        memory.userAccess(true);
        try {
            return step(USER_KEY);
        } finally {
            memory.userAccess(false);
        }
    }

    private int step(long cacheKey) {
        boolean tf = (rflags & TF) != 0;
        interruptShadow = false;
        lastCycles = 0;
        // reference fields are cleared only when set: each reference store costs a GC barrier
        if (lastDecodeError != null) lastDecodeError = null;
        stackAccess = false;
        long at = rip;
        lastAddress = at;
        if (long64 ? !Memory.canonical(at) : (at >>> 32) != 0) {
            noLast();
            errorCode = 0;
            return Step.GP;
        }
        CachedInstruction c;
        try {
            c = fetch(at, cacheKey);
        } catch (MemoryFault f) {
            noLast();
            return pageFault(f);
        } catch (DecodeException e) {
            noLast();
            lastDecodeError = e;
            return Step.UD;
        }
        lastSlot = cacheSlot(at);
        int r;
        try {
            r = c.form() == CachedInstruction.GENERIC ? execute(c.insn()) : executeHot(c);
        } catch (MemoryFault f) {
            rip = at;
            return memoryFault(f);
        }
        if (tf && (r == Step.OK || r == Step.HALT)) {
            dr6 |= DR6_BS;
            return Step.DB;
        }
        return r;
    }

    /**
     * Runs instructions back to back, as repeated {@link #step()} calls would, until one returns
     * anything but {@link Step#OK}, {@code maxInstructions} have run, or their cycles reach
     * {@code maxCycles} (checked after each instruction, so a caller bounding a batch by the next
     * event's time sees every instruction boundary it needs). Returns the last step's result;
     * {@link #batchInstructions()} and {@link #batchCycles()} tell how many instructions ran and
     * what they cost. A faulting instruction counts as run, as a step does.
     */
    public int run(long maxInstructions, long maxCycles) {
        long n = 0, cycles = 0;
        int r = Step.OK;
        while (n < maxInstructions && cycles < maxCycles) {
            r = step();
            n++;
            cycles += lastCycles;
            if (r != Step.OK) break;
        }
        batchInstructions = n;
        batchCycles = cycles;
        return r;
    }

    private long batchInstructions, batchCycles;
    private long lastAddress;

    /** Where the last step's instruction started (also when its fetch or decode failed). */
    public long lastAddress() { return lastAddress; }

    /** Instructions the last {@link #run} executed. */
    public long batchInstructions() { return batchInstructions; }

    /** Modelled cycles of the last {@link #run}. */
    public long batchCycles() { return batchCycles; }

    private int memoryFault(MemoryFault f) {
        if (f.nonCanonical()) {
            errorCode = 0;
            return stackAccess ? Step.SS : Step.GP;
        }
        return pageFault(f);
    }

    private int pageFault(MemoryFault f) {
        if (f.nonCanonical()) {
            errorCode = 0;
            return Step.GP;
        }
        faultAddress = f.address();
        errorCode = (f.present() ? 1 : 0) | (f.write() ? 2 : 0) | (cpl == 3 ? 4 : 0) | (f.fetch() ? 16 : 0);
        return Step.PF;
    }

    // ================================================================== decode cache

    private void noLast() {
        lastSlot = -1;
        if (lastStashed != null) lastStashed = null;
    }

    private static int cacheSlot(long at) {
        return (int) (at ^ (at >>> 12)) & (CACHE_SIZE - 1);
    }

    private CachedInstruction fetch(long at, long cacheKey) throws DecodeException {
        int i = cacheSlot(at);
        CachedInstruction c = cacheInsn[i];
        long v = memory.codeVersion();
        long key = at ^ cacheKey;
        if (c != null && cacheAddr[i] == key) {
            if (cacheVersion[i] == v) return c;
            if (sameBytes(c.insn(), at)) {
                cacheVersion[i] = v;
                return c;
            }
        }
        decodeMisses++;
        // a byte the decoder needs on an unfetchable page throws that page's MemoryFault (#PF, I/D set)
        CachedInstruction d = CachedInstruction.of(Decoder.decode(fetchSource, at, mode), long64);
        cacheAddr[i] = key;
        cacheVersion[i] = v;
        cacheInsn[i] = d;
        return d;
    }

    private boolean sameBytes(Instruction c, long at) {
        byte[] b = c.bytes();
        int n = memory.fetch(at, fetchBuf, b.length);
        if (n < b.length) {
            memory.fetch(at + n, fetchBuf, 1);           // the instruction now straddles an unfetchable page: fault
        }
        for (int k = 0; k < b.length; k++) if (fetchBuf[k] != b[k]) return false;
        return true;
    }

    private int fetchByte(long a) {
        memory.fetch(a, fetchBuf, 1);
        return fetchBuf[0] & 0xff;
    }

    // ================================================================== operands

    private long ea(Operand.Mem m, Instruction insn) {
        long a;
        if (m.ripRelative()) {
            a = insn.next() + m.disp();
        } else {
            a = m.disp();
            int b = m.base();
            if (b >= 0) {
                a += gpr[b];
                if (b == RSP || b == RBP) stackAccess = true;
            }
            if (m.index() >= 0) a += gpr[m.index()] * m.scale();
        }
        if (insn.has(Prefixes.ADDRSIZE)) a &= long64 ? 0xffffffffL : 0xffffL;
        int seg = m.segment();
        if (seg >= 0) {
            if (seg == 4) a += fsBase;
            else if (seg == 5) a += gsBase;
            stackAccess = seg == 2;
        }
        if (!long64) a &= 0xffffffffL;
        return a;
    }

    private long readReg(Operand.Reg r) {
        long v = gpr[r.reg()];
        switch (r.size()) {
            case 1: return r.highByte() ? (v >>> 8) & 0xff : v & 0xff;
            case 2: return v & 0xffff;
            case 4: return v & 0xffffffffL;
            default: return v;
        }
    }

    private void writeReg(Operand.Reg r, long v) {
        int n = r.reg();
        switch (r.size()) {
            case 1:
                if (r.highByte()) gpr[n] = (gpr[n] & ~0xff00L) | ((v & 0xff) << 8);
                else gpr[n] = (gpr[n] & ~0xffL) | (v & 0xff);
                break;
            case 2: gpr[n] = (gpr[n] & ~0xffffL) | (v & 0xffff); break;
            case 4: gpr[n] = v & 0xffffffffL; break;
            default: gpr[n] = v;
        }
    }

    /** Reads an operand zero-extended to its size (immediates as decoded: possibly sign-extended). */
    private long read(Operand o, Instruction insn) {
        if (o instanceof Operand.Reg) return readReg((Operand.Reg) o);
        if (o instanceof Operand.Imm) return ((Operand.Imm) o).value();
        Operand.Mem m = (Operand.Mem) o;
        lastCycles += CycleCosts.LOAD;
        return memory.load(ea(m, insn), m.size());
    }

    /** Reads an operand the instruction will write: a memory one with write intent (see loadDest). */
    private long readForWrite(Operand o, Instruction insn) {
        if (!(o instanceof Operand.Mem)) return read(o, insn);
        Operand.Mem m = (Operand.Mem) o;
        lastCycles += CycleCosts.LOAD;
        return memory.loadForWrite(ea(m, insn), m.size());
    }

    private void write(Operand o, Instruction insn, long v) {
        if (o instanceof Operand.Reg) {
            writeReg((Operand.Reg) o, v);
        } else {
            Operand.Mem m = (Operand.Mem) o;
            lastCycles += CycleCosts.STORE;
            memory.store(ea(m, insn), m.size(), v);
        }
    }

    private int stackSize(Instruction insn) {
        int s = insn.opSize();
        return s == 0 ? (long64 ? 8 : 4) : s;
    }

    private long sp() {
        return long64 ? gpr[RSP] : gpr[RSP] & 0xffffffffL;
    }

    private void setSp(long v) {
        if (long64) gpr[RSP] = v;
        else gpr[RSP] = v & 0xffffffffL;
    }

    /** Pushes the low {@code n} bytes of v; rsp moves only when the store succeeded. */
    private void push(int n, long v) {
        long sp = sp() - n;
        stackWrite(sp, n, v);
        setSp(sp);
    }

    private long stackRead(long a, int size) {
        stackAccess = true;
        return memory.load(long64 ? a : a & 0xffffffffL, size);
    }

    private void stackWrite(long a, int size, long v) {
        stackAccess = true;
        memory.store(long64 ? a : a & 0xffffffffL, size, v);
    }

    private boolean badTarget(long target) {
        if (long64 ? !Memory.canonical(target) : (target >>> 32) != 0) {
            errorCode = 0;
            return true;
        }
        return false;
    }

    /** Condition code 0..15 (o no b ae e ne be a s ns p np l ge le g). */
    private boolean cond(int cc) {
        long f = rflags;
        boolean r;
        switch (cc >>> 1) {
            case 0: r = (f & OF) != 0; break;
            case 1: r = (f & CF) != 0; break;
            case 2: r = (f & ZF) != 0; break;
            case 3: r = (f & (CF | ZF)) != 0; break;
            case 4: r = (f & SF) != 0; break;
            case 5: r = (f & PF) != 0; break;
            case 6: r = ((f & SF) != 0) != ((f & OF) != 0); break;
            default: r = (f & ZF) != 0 || (((f & SF) != 0) != ((f & OF) != 0)); break;
        }
        return r ^ ((cc & 1) != 0);
    }

    /** Flags popf/iret may change at the current privilege level. */
    private long writableFlags() {
        long m = CF | PF | AF | ZF | SF | TF | DF | OF | NT | AC | ID;
        if (cpl == 0) m |= IF | IOPL;
        else if (cpl <= ((rflags & IOPL) >>> 12)) m |= IF;
        return m;
    }

    // ================================================================== hot forms

    /**
     * Runs an instruction of one of the common forms resolved in {@link CachedInstruction}: the
     * same effects, faults and cycles as {@link #execute}, without its operand type tests.
     */
    private int executeHot(CachedInstruction c) {
        long nrip = c.next();
        int size = c.size();
        lastCycles = CycleCosts.ALU;
        switch (c.form()) {
            case CachedInstruction.NOP:
                break;
            case CachedInstruction.MOV_RR:
                setGpr(c.reg(), size, gpr[c.reg2()]);
                break;
            case CachedInstruction.MOV_RI:
                setGpr(c.reg(), size, c.imm());
                break;
            case CachedInstruction.MOV_RM: {
                long a = hotEa(c);
                lastCycles += CycleCosts.LOAD;
                setGpr(c.reg(), size, memory.load(a, size));
                break;
            }
            case CachedInstruction.MOV_MR: {
                long v = gpr[c.reg()];
                long a = hotEa(c);
                lastCycles += CycleCosts.STORE;
                memory.store(a, size, v);
                break;
            }
            case CachedInstruction.MOV_MI: {
                long a = hotEa(c);
                lastCycles += CycleCosts.STORE;
                memory.store(a, size, c.imm());
                break;
            }
            case CachedInstruction.LEA: {
                long a = c.disp();
                if (c.base() >= 0) a += gpr[c.base()];
                if (c.index() >= 0) a += gpr[c.index()] * c.scale();
                setGpr(c.reg(), size, a);
                break;
            }
            case CachedInstruction.PUSH_R: {
                long v = gpr[c.reg()];
                push(size, v);
                lastCycles = CycleCosts.PUSH;
                break;
            }
            case CachedInstruction.POP_R: {
                long sp = sp();
                long v = stackRead(sp, size);
                setSp(sp + size);
                setGpr(c.reg(), size, v);              // pop %rsp: the popped value wins
                lastCycles = CycleCosts.POP;
                break;
            }
            case CachedInstruction.CALL_REL: {
                long target = c.imm();
                lastCycles = CycleCosts.CALL;
                if (badTarget(target)) return Step.GP;
                int n = long64 ? 8 : 4;
                push(n, nrip);
                nrip = target;
                break;
            }
            case CachedInstruction.RET: {
                int n = long64 ? 8 : 4;
                long sp = sp();
                long target = stackRead(sp, n);
                if (badTarget(target)) return Step.GP;
                setSp(sp + n);
                nrip = target;
                lastCycles = CycleCosts.RET;
                break;
            }
            case CachedInstruction.JMP_REL: {
                long target = c.imm();
                lastCycles = CycleCosts.BRANCH_TAKEN;
                if (badTarget(target)) return Step.GP;
                nrip = target;
                break;
            }
            case CachedInstruction.JCC:
                if (cond(c.reg())) {
                    long target = c.imm();
                    if (badTarget(target)) return Step.GP;
                    nrip = target;
                    lastCycles = CycleCosts.BRANCH_TAKEN;
                } else {
                    lastCycles = CycleCosts.BRANCH_NOT_TAKEN;
                }
                break;
            case CachedInstruction.ALU_RR:
                hotAlu(c, false, 0, gpr[c.reg()], gpr[c.reg2()]);
                break;
            case CachedInstruction.ALU_RI:
                hotAlu(c, false, 0, gpr[c.reg()], c.imm());
                break;
            case CachedInstruction.ALU_RM: {
                long a = hotEa(c);
                lastCycles += CycleCosts.LOAD;
                hotAlu(c, false, 0, gpr[c.reg()], memory.load(a, size));
                break;
            }
            case CachedInstruction.ALU_MR: {
                long a = hotEa(c);
                long v = hotLoadDest(c, a);
                lastCycles += CycleCosts.LOAD;
                hotAlu(c, true, a, v, gpr[c.reg()]);
                break;
            }
            case CachedInstruction.ALU_MI: {
                long a = hotEa(c);
                long v = hotLoadDest(c, a);
                lastCycles += CycleCosts.LOAD;
                hotAlu(c, true, a, v, c.imm());
                break;
            }
            default:
                throw new IllegalStateException("form " + c.form());
        }
        rip = long64 ? nrip : nrip & 0xffffffffL;
        return Step.OK;
    }

    /** The address of a hot form's memory operand (no segment override, no address-size prefix). */
    private long hotEa(CachedInstruction c) {
        long a = c.disp();
        int b = c.base();
        if (b >= 0) {
            a += gpr[b];
            if (b == RSP || b == RBP) stackAccess = true;
        }
        if (c.index() >= 0) a += gpr[c.index()] * c.scale();
        return long64 ? a : a & 0xffffffffL;
    }

    /** A memory destination's value: read with write intent unless cmp/test only read it (a fault is then a write's). */
    private long hotLoadDest(CachedInstruction c, long a) {
        Mnemonic m = c.alu();
        return m == Mnemonic.CMP || m == Mnemonic.TEST ? memory.load(a, c.size()) : memory.loadForWrite(a, c.size());
    }

    /** {@link #alu} for a hot form: the destination is memory at {@code addr} or register {@code c.reg()}. */
    private void hotAlu(CachedInstruction c, boolean toMemory, long addr, long a, long b) {
        int size = c.size();
        long mask = Flags.mask(size);
        a &= mask;
        b &= mask;
        Mnemonic m = c.alu();
        long res = aluResult(m, a, b, size);
        boolean store = m != Mnemonic.CMP && m != Mnemonic.TEST;
        if (store) {
            if (toMemory) {
                memory.store(addr, size, res);
                lastCycles += CycleCosts.STORE;
            } else {
                setGpr(c.reg(), size, res);
            }
        }
        rflags = (rflags & ~STATUS) | aluFlags;
    }

    /** Flags of the last {@link #aluResult}, applied after the destination store (which may fault). */
    private long aluFlags;

    /** add adc sub sbb cmp and or xor test on operands masked to size: the result; its flags go to aluFlags. */
    private long aluResult(Mnemonic m, long a, long b, int size) {
        long mask = Flags.mask(size);
        long res;
        switch (m) {
            case ADD: res = (a + b) & mask; aluFlags = Flags.add(a, b, res, size); break;
            case ADC: res = (a + b + (rflags & CF)) & mask; aluFlags = Flags.add(a, b, res, size); break;
            case SUB: case CMP: res = (a - b) & mask; aluFlags = Flags.sub(a, b, res, size); break;
            case SBB: res = (a - b - (rflags & CF)) & mask; aluFlags = Flags.sub(a, b, res, size); break;
            case OR: res = a | b; aluFlags = Flags.logic(res, size); break;
            case XOR: res = a ^ b; aluFlags = Flags.logic(res, size); break;
            default: res = a & b; aluFlags = Flags.logic(res, size); break;      // AND, TEST
        }
        return res;
    }

    /** Writes general register n at an operand size, as a write to it does (32-bit zero-extends). */
    private void setGpr(int n, int size, long v) {
        switch (size) {
            case 1: gpr[n] = (gpr[n] & ~0xffL) | (v & 0xff); break;
            case 2: gpr[n] = (gpr[n] & ~0xffffL) | (v & 0xffff); break;
            case 4: gpr[n] = v & 0xffffffffL; break;
            default: gpr[n] = v;
        }
    }

    // ================================================================== execute

    private int execute(Instruction insn) {
        Operand[] ops = insn.operands();
        long nrip = insn.next();
        int size = insn.opSize();
        lastCycles = CycleCosts.ALU;
        switch (insn.mnemonic()) {
            case NOP:
            case ENDBR64:
            case ENDBR32:
                break;

            case MOV: {
                Operand d = ops[0];
                if (!(d instanceof Operand.Reg || d instanceof Operand.Mem) || !isGprOrMem(d) || !isGprOrMemOrImm(ops[1])) {
                    return unsupported();
                }
                long v = read(ops[1], insn);
                write(d, insn, v);
                break;
            }

            case LEA: {
                Operand.Mem m = (Operand.Mem) ops[1];
                long a;
                if (m.ripRelative()) a = insn.next() + m.disp();
                else {
                    a = m.disp();
                    if (m.base() >= 0) a += gpr[m.base()];
                    if (m.index() >= 0) a += gpr[m.index()] * m.scale();
                }
                if (insn.has(Prefixes.ADDRSIZE)) a &= long64 ? 0xffffffffL : 0xffffL;
                writeReg((Operand.Reg) ops[0], a);
                break;
            }

            case ADD: case ADC: case SUB: case SBB: case CMP:
            case AND: case OR: case XOR: case TEST:
                alu(insn, ops, size);
                break;

            case INC: case DEC: case NOT: case NEG:
                unary(insn, ops[0], size);
                break;

            case SHL: case SHR: case SAR:
                shift(insn, ops, size);
                break;

            case XCHG: {
                if (insn.map() == 0 && insn.opcode() == 0x90 && !insn.has(Prefixes.REX_B)) break;   // 90 / 66 90: nop
                Operand a = ops[0], b = ops[1];
                if (a instanceof Operand.Mem) { Operand t = a; a = b; b = t; }
                long va = read(a, insn);
                long vb = readForWrite(b, insn);
                write(b, insn, va);       // the memory side (if any) first: it may fault
                writeReg((Operand.Reg) a, vb);
                if (b instanceof Operand.Mem) lastCycles = CycleCosts.XCHG_MEM;
                break;
            }

            case CBW:                                                        // cbtw / cwtl / cltq
                if (size == 2) gpr[RAX] = (gpr[RAX] & ~0xffffL) | (((long) (byte) gpr[RAX]) & 0xffff);
                else if (size == 4) gpr[RAX] = ((long) (short) gpr[RAX]) & 0xffffffffL;
                else gpr[RAX] = (long) (int) gpr[RAX];
                break;
            case CWD:                                                        // cwtd / cltd / cqto
                if (size == 2) gpr[RDX] = (gpr[RDX] & ~0xffffL) | ((((long) (short) gpr[RAX]) >> 15) & 0xffff);
                else if (size == 4) gpr[RDX] = (((long) (int) gpr[RAX]) >> 31) & 0xffffffffL;
                else gpr[RDX] = gpr[RAX] >> 63;
                break;

            case PUSH: {
                if (ops[0] instanceof Operand.Reg r && r.reg() >= 16) return unsupported();   // segment registers: not modelled
                int n = stackSize(insn);
                long v = read(ops[0], insn);
                push(n, v);
                lastCycles += CycleCosts.PUSH - CycleCosts.ALU;
                break;
            }

            case POP: {
                if (ops[0] instanceof Operand.Reg r && r.reg() >= 16) return unsupported();
                int n = stackSize(insn);
                long sp = sp();
                long v = stackRead(sp, n);
                Operand d = ops[0];
                if (d instanceof Operand.Mem) {
                    long saved = gpr[RSP];
                    setSp(sp + n);                       // the address uses rsp after the pop
                    long a;
                    try {
                        a = ea((Operand.Mem) d, insn);
                    } finally {
                        gpr[RSP] = saved;
                    }
                    memory.store(a, n, v);
                    lastCycles += CycleCosts.STORE;
                    setSp(sp + n);
                } else {
                    setSp(sp + n);
                    writeReg((Operand.Reg) d, v);        // pop %rsp: the popped value wins
                }
                lastCycles += CycleCosts.POP - CycleCosts.ALU;
                break;
            }

            case PUSHF: {
                int n = stackSize(insn);
                push(n, rflags & ~(RF | VM));
                lastCycles = CycleCosts.PUSHF;
                break;
            }

            case POPF: {
                int n = stackSize(insn);
                long sp = sp();
                long v = stackRead(sp, n);
                long m = writableFlags() & Flags.mask(n);
                setSp(sp + n);
                rflags = ((rflags & ~m) | (v & m) | RESERVED1) & ~RF;
                lastCycles = CycleCosts.POPF;
                break;
            }

            case LEAVE: {
                int n = stackSize(insn);
                long bp = long64 ? gpr[RBP] : gpr[RBP] & 0xffffffffL;
                long v = stackRead(bp, n);
                setSp(bp + n);
                if (n == 8) gpr[RBP] = v;
                else if (n == 4) gpr[RBP] = v & 0xffffffffL;
                else gpr[RBP] = (gpr[RBP] & ~0xffffL) | (v & 0xffff);
                lastCycles = CycleCosts.LEAVE;
                break;
            }

            case CALL: {
                long target;
                Operand o = ops[0];
                if (o instanceof Operand.Rel) {
                    target = ((Operand.Rel) o).target();
                    lastCycles = CycleCosts.CALL;
                } else if (isGprOrMem(o)) {
                    target = read(o, insn);
                    lastCycles += CycleCosts.CALL + CycleCosts.BRANCH_INDIRECT - CycleCosts.ALU;
                } else {
                    return unsupported();
                }
                if (badTarget(target)) return Step.GP;
                int n = long64 ? 8 : stackSize(insn);      // 32-bit mode: 66 makes it a 16-bit call (IP pushed)
                push(n, nrip);
                nrip = target;
                break;
            }

            case RET: {
                if (insn.flow() != FlowKind.RET) return unsupported();     // far return
                int n = long64 ? 8 : stackSize(insn);
                long sp = sp();
                long target = stackRead(sp, n);
                if (badTarget(target)) return Step.GP;
                long extra = ops.length > 0 ? ((Operand.Imm) ops[0]).value() & 0xffff : 0;
                setSp(sp + n + extra);
                nrip = target;
                lastCycles = CycleCosts.RET;
                break;
            }

            case JMP: {
                Operand o = ops[0];
                long target;
                if (o instanceof Operand.Rel) {
                    target = ((Operand.Rel) o).target();
                    lastCycles = CycleCosts.BRANCH_TAKEN;
                } else if (isGprOrMem(o)) {
                    target = read(o, insn);
                    lastCycles += CycleCosts.BRANCH_TAKEN + CycleCosts.BRANCH_INDIRECT - CycleCosts.ALU;
                } else {
                    return unsupported();
                }
                if (badTarget(target)) return Step.GP;
                nrip = target;
                break;
            }

            case CLC: rflags &= ~CF; break;
            case STC: rflags |= CF; break;
            case CMC: rflags ^= CF; break;
            case CLD: rflags &= ~DF; break;
            case STD: rflags |= DF; break;
            case PAUSE: lastCycles = CycleCosts.PAUSE; break;
            case LFENCE: lastCycles = CycleCosts.LFENCE; break;
            case MFENCE: lastCycles = CycleCosts.MFENCE; break;
            case SFENCE: lastCycles = CycleCosts.SFENCE; break;

            case MOVZB: case MOVZW:
                writeReg((Operand.Reg) ops[0], read(ops[1], insn));
                break;
            case MOVSXB: case MOVSXW: case MOVSXD:
                writeReg((Operand.Reg) ops[0], Flags.signExtend(read(ops[1], insn), ops[1].size()));
                break;

            case XADD: {
                Operand d = ops[0];
                long mask = Flags.mask(size);
                long a = readForWrite(d, insn) & mask;
                long b = readReg((Operand.Reg) ops[1]);
                long res = (a + b) & mask;
                long f = Flags.add(a, b, res, size);
                write(d, insn, res);                      // the destination (maybe memory) first: it may fault
                writeReg((Operand.Reg) ops[1], a);
                if (d instanceof Operand.Reg) write(d, insn, res);     // xadd %r, %r: the sum is written last (SDM)
                rflags = (rflags & ~STATUS) | f;
                break;
            }

            case CMPXCHG: {
                Operand d = ops[0];
                long mask = Flags.mask(size);
                long a = readForWrite(d, insn) & mask;
                long acc = gpr[RAX] & mask;
                long res = (acc - a) & mask;
                long f = Flags.sub(acc, a, res, size);
                if (acc == a) {
                    write(d, insn, readReg((Operand.Reg) ops[1]));
                } else {
                    // a memory destination is written back unchanged (the locked cycle writes); a register
                    // destination is not written at all (a 32-bit one keeps its upper half, as on the host)
                    if (d instanceof Operand.Mem) write(d, insn, a);
                    writeAcc(size, a);
                }
                rflags = (rflags & ~STATUS) | f;
                if (d instanceof Operand.Mem) lastCycles = CycleCosts.XCHG_MEM;
                break;
            }

            case MUL: case IMUL:
                if (!mulDiv(insn, ops, size)) return Step.DE;
                lastCycles += CycleCosts.MUL - CycleCosts.ALU;
                break;
            case DIV: case IDIV:
                if (!mulDiv(insn, ops, size)) return Step.DE;
                lastCycles += CycleCosts.DIV - CycleCosts.ALU;
                break;

            case SWAPGS: {
                if (!long64 || cpl != 0) return long64 ? gp0() : Step.UD;
                long t = gsBase;
                gsBase = kernelGsBase;
                kernelGsBase = t;
                break;
            }

            case SYSCALL:
                if (!long64) return Step.UD;
                gpr[RCX] = nrip;
                gpr[11] = rflags & ~RF;
                rip = nrip;
                return Step.SYSCALL;

            case INT:
                rip = nrip;
                softwareVector = (int) ((Operand.Imm) ops[0]).value() & 0xff;
                lastCycles = trapEntryCycles;
                return Step.INT;

            case INT3:
                rip = nrip;
                lastCycles = trapEntryCycles;
                return Step.BP;

            case UD2:
                return Step.UD;

            case HLT:
                if (cpl != 0) return gp0();
                rip = nrip;
                lastCycles = CycleCosts.HLT;
                return Step.HALT;

            case CLI:
                if (cpl > ((rflags & IOPL) >>> 12)) return gp0();
                rflags &= ~IF;
                lastCycles = CycleCosts.CLI_STI;
                break;

            case STI:
                if (cpl > ((rflags & IOPL) >>> 12)) return gp0();
                if ((rflags & IF) == 0) interruptShadow = true;
                rflags |= IF;
                lastCycles = CycleCosts.CLI_STI;
                break;

            case IRET: {
                nmiBlocked = false;                       // unblocked even if the iret faults (SDM 6.7.1)
                int r = iret(insn);
                if (r != Step.OK) return r;
                lastCycles = iretCycles;
                return Step.OK;
            }

            case BSWAP: {
                Operand.Reg d = (Operand.Reg) ops[0];
                long v = readReg(d);
                if (size == 8) writeReg(d, Long.reverseBytes(v));
                else if (!insn.has(Prefixes.OPSIZE)) writeReg(d, Integer.reverseBytes((int) v) & 0xffffffffL);
                else gpr[d.reg()] &= ~0xffffL;            // 66 bswap (decoded as 32-bit) is undefined in the SDM:
                break;                                     // the host (Intel) clears the low 16 bits, keeps the rest
            }

            case BSF: case BSR: case TZCNT: case LZCNT: {
                // Source 0: ZF=1 and the destination is left unchanged (not even zero-extended), as the host does.
                // Nonzero: ZF=0; CF OF SF AF PF are undefined in the SDM: see bitScanFlags().
                // tzcnt/lzcnt (F3 0F BC/BD) run as bsf/bsr: the modelled Core 2 has neither BMI1 nor LZCNT, and the
                // SDM says such CPUs ignore the F3 prefix (gcc emits "rep bsf" for __builtin_ctz for that reason).
                long v = read(ops[1], insn) & Flags.mask(size);
                Operand.Reg d = (Operand.Reg) ops[0];
                if (v == 0) {
                    rflags = (rflags & ~STATUS) | Flags.bitScanFlags(0, true);
                } else {
                    Mnemonic m = insn.mnemonic();
                    long idx = m == Mnemonic.BSF || m == Mnemonic.TZCNT ? Long.numberOfTrailingZeros(v) : 63 - Long.numberOfLeadingZeros(v);
                    writeReg(d, idx);
                    rflags = (rflags & ~STATUS) | Flags.bitScanFlags(idx, false);
                }
                break;
            }

            case BT: case BTS: case BTR: case BTC:
                bitTest(insn, ops, size);
                break;

            case ROL: case ROR: case RCL: case RCR:
                rotate(insn, ops, size);
                break;

            case SHLD: case SHRD:
                doubleShift(insn, ops, size);
                break;

            case LOOP: case LOOPE: case LOOPNE: case JECXZ: {
                long cmask = insn.has(Prefixes.ADDRSIZE) ? (long64 ? 0xffffffffL : 0xffffL) : (long64 ? -1L : 0xffffffffL);
                long c = gpr[RCX] & cmask;
                boolean taken;
                if (insn.mnemonic() == Mnemonic.JECXZ) {
                    taken = c == 0;
                    lastCycles = taken ? CycleCosts.BRANCH_TAKEN : CycleCosts.BRANCH_NOT_TAKEN;
                } else {
                    c = (c - 1) & cmask;
                    taken = c != 0;
                    if (insn.mnemonic() == Mnemonic.LOOPE) taken &= (rflags & ZF) != 0;
                    else if (insn.mnemonic() == Mnemonic.LOOPNE) taken &= (rflags & ZF) == 0;
                    lastCycles = CycleCosts.LOOP;
                }
                long target = ((Operand.Rel) ops[0]).target();
                if (taken && badTarget(target)) return Step.GP;
                if (insn.mnemonic() != Mnemonic.JECXZ) setCounter(RCX, c, cmask);
                if (taken) nrip = target;
                break;
            }

            case MOVS: case STOS: case LODS: case CMPS: case SCAS:
                if (!string(insn, ops, size)) {
                    rip = insn.address();                  // rep: more iterations; the next step continues
                    return Step.OK;
                }
                break;

            case CPUID:
                cpuid();
                lastCycles = CycleCosts.SERIALIZING;
                break;

            default:
                if (insn.map() == 1 && insn.cc() >= 0 && insn.opcode() >= 0x90 && insn.opcode() <= 0x9f) {     // setcc
                    write(ops[0], insn, cond(insn.cc()) ? 1 : 0);
                    break;
                }
                if (insn.map() == 1 && insn.cc() >= 0 && insn.opcode() >= 0x40 && insn.opcode() <= 0x4f) {     // cmovcc
                    long src = read(ops[1], insn);                // the load happens either way
                    Operand.Reg d = (Operand.Reg) ops[0];
                    writeReg(d, cond(insn.cc()) ? src : readReg(d));   // a 32-bit cmov zero-extends even when false
                    break;
                }
                if (insn.flow() == FlowKind.JCC && insn.cc() >= 0 && ops.length == 1 && ops[0] instanceof Operand.Rel) {
                    if (cond(insn.cc())) {
                        long target = ((Operand.Rel) ops[0]).target();
                        if (badTarget(target)) return Step.GP;
                        nrip = target;
                        lastCycles = CycleCosts.BRANCH_TAKEN;
                    } else {
                        lastCycles = CycleCosts.BRANCH_NOT_TAKEN;
                    }
                    break;
                }
                return unsupported();
        }
        rip = long64 ? nrip : nrip & 0xffffffffL;
        return Step.OK;
    }

    private int gp0() {
        errorCode = 0;
        return Step.GP;
    }

    private int unsupported() {
        lastCycles = 0;
        return Step.UD;
    }

    private static boolean isGprOrMem(Operand o) {
        if (o instanceof Operand.Reg) return ((Operand.Reg) o).reg() < 16;
        return o instanceof Operand.Mem;
    }

    private static boolean isGprOrMemOrImm(Operand o) {
        return isGprOrMem(o) || o instanceof Operand.Imm;
    }

    // ---------------------------------------------------------------- read-modify-write destinations

    /** Where the destination read by {@link #loadDest} lives: memory at destAddr, or a register. */
    private boolean destInMemory;
    private long destAddr;

    /**
     * Reads an instruction's destination operand, remembering where it lives; memory costs
     * `memCycles`. A memory destination the instruction writes is read with write intent (a fault
     * reports W/R = 1, as the CPU reports it for a read-modify-write).
     */
    private long loadDest(Operand d, Instruction insn, int size, int memCycles) {
        return loadDest(d, insn, size, memCycles, true);
    }

    private long loadDest(Operand d, Instruction insn, int size, int memCycles, boolean writes) {
        if (d instanceof Operand.Mem m) {
            destInMemory = true;
            destAddr = ea(m, insn);
            long v = writes ? memory.loadForWrite(destAddr, size) : memory.load(destAddr, size);
            lastCycles += memCycles;
            return v;
        }
        destInMemory = false;
        return readReg((Operand.Reg) d);
    }

    /** Writes the destination read by the last {@link #loadDest}. */
    private void storeDest(Operand d, int size, long value) {
        if (destInMemory) memory.store(destAddr, size, value);
        else writeReg((Operand.Reg) d, value);
    }

    /**
     * A shift or rotate by 0 changes nothing, but the access still needs write permission and a
     * 32-bit register is still written (zero-extended), as on the host.
     */
    private void touchDest(Operand d, int size, long unchanged) {
        if (destInMemory) memory.checkWrite(destAddr, size);
        else writeReg((Operand.Reg) d, unchanged);
    }

    // ---------------------------------------------------------------- ALU

    private void alu(Instruction insn, Operand[] ops, int size) {
        Operand d = ops[0];
        long mask = Flags.mask(size);
        Mnemonic mn = insn.mnemonic();
        long a = loadDest(d, insn, size, CycleCosts.LOAD, mn != Mnemonic.CMP && mn != Mnemonic.TEST);
        long b = read(ops[1], insn) & mask;
        long res = aluResult(mn, a, b, size);
        boolean store = mn != Mnemonic.CMP && mn != Mnemonic.TEST;
        if (store) {
            storeDest(d, size, res);
            if (destInMemory) lastCycles += CycleCosts.STORE;
        }
        rflags = (rflags & ~STATUS) | aluFlags;
    }

    private void unary(Instruction insn, Operand d, int size) {
        long mask = Flags.mask(size);
        long a = loadDest(d, insn, size, CycleCosts.LOAD + CycleCosts.STORE);
        long res, f;
        switch (insn.mnemonic()) {
            case INC: res = (a + 1) & mask; f = Flags.inc(a, res, size, rflags); break;
            case DEC: res = (a - 1) & mask; f = Flags.dec(a, res, size, rflags); break;
            case NEG: res = (-a) & mask; f = Flags.sub(0, a, res, size); break;
            default: res = ~a & mask; f = rflags & STATUS; break;       // NOT: no flags
        }
        storeDest(d, size, res);
        rflags = (rflags & ~STATUS) | f;
    }

    private void shift(Instruction insn, Operand[] ops, int size) {
        Operand d = ops[0];
        int count = shiftCount(ops, 1, size);
        long mask = Flags.mask(size);
        long a = loadDest(d, insn, size, CycleCosts.LOAD + CycleCosts.STORE);
        if (count == 0) {                               // flags unaffected, value unchanged
            touchDest(d, size, a);
            return;
        }
        long res, f;
        switch (insn.mnemonic()) {
            case SHR:
                res = count >= 64 ? 0 : (a >>> count) & mask;
                f = Flags.shr(a, count, res, size);
                break;
            case SAR: {
                long s = Flags.signExtend(a, size);
                res = (s >> Math.min(count, 63)) & mask;
                f = Flags.sar(s, count, res, size);
                break;
            }
            default:                                     // SHL / SAL
                res = count >= 64 ? 0 : (a << count) & mask;
                f = Flags.shl(a, count, res, size);
                break;
        }
        storeDest(d, size, res);
        rflags = (rflags & ~STATUS) | f;
    }

    // ---------------------------------------------------------------- mul / div

    /** mul, imul (1, 2, 3 operands), div, idiv; false on a divide error (#DE), nothing changed then. */
    private boolean mulDiv(Instruction insn, Operand[] ops, int size) {
        Mnemonic mn = insn.mnemonic();
        long mask = Flags.mask(size);
        if (mn == Mnemonic.IMUL && ops.length >= 2) {
            long a = Flags.signExtend(read(ops[ops.length == 3 ? 1 : 0], insn), size);
            long b = Flags.signExtend(read(ops[ops.length == 3 ? 2 : 1], insn), size);
            long lo = a * b;
            boolean overflow = size == 8 ? Math.multiplyHigh(a, b) != (lo >> 63) : Flags.signExtend(lo, size) != lo;
            writeReg((Operand.Reg) ops[0], lo & mask);
            rflags = (rflags & ~STATUS) | Flags.mul(lo, overflow, size);
            return true;
        }
        Operand src = ops[ops.length - 1];
        long s = read(src, insn) & mask;
        int bits = size * 8;
        long ax = gpr[RAX], dx = gpr[RDX];
        if (mn == Mnemonic.MUL || mn == Mnemonic.IMUL) {
            long lo, hi;
            boolean overflow;
            if (mn == Mnemonic.MUL) {
                if (size == 8) {
                    lo = ax * s;
                    hi = Math.multiplyHigh(ax, s) + ((ax >> 63) & s) + ((s >> 63) & ax);
                } else {
                    long p = (ax & mask) * s;
                    lo = p & mask;
                    hi = (p >>> bits) & mask;
                }
                overflow = hi != 0;
            } else {
                long a = Flags.signExtend(ax & mask, size), b = Flags.signExtend(s, size);
                if (size == 8) {
                    lo = a * b;
                    hi = Math.multiplyHigh(a, b);
                    overflow = hi != (lo >> 63);
                } else {
                    long p = a * b;
                    lo = p & mask;
                    hi = (p >> bits) & mask;
                    overflow = Flags.signExtend(p, size) != p;
                }
            }
            storeAxDx(size, lo, hi);
            rflags = (rflags & ~STATUS) | Flags.mul(lo, overflow, size);
            return true;
        }
        if (s == 0) return false;
        long q, r;
        if (mn == Mnemonic.DIV) {
            if (size == 8) {
                if (dx == 0) {
                    q = Long.divideUnsigned(ax, s);
                    r = Long.remainderUnsigned(ax, s);
                } else {
                    if (Long.compareUnsigned(dx, s) >= 0) return false;
                    q = udiv128(dx, ax, s);
                    r = divRemainder;
                }
            } else {
                long n = size == 1 ? ax & 0xffff : ((dx & mask) << bits) | (ax & mask);
                q = Long.divideUnsigned(n, s);
                r = Long.remainderUnsigned(n, s);
                if (Long.compareUnsigned(q, mask) > 0) return false;
            }
        } else {
            long d = Flags.signExtend(s, size);
            if (size == 8) {
                if (dx == (ax >> 63)) {
                    if (ax == Long.MIN_VALUE && d == -1) return false;
                    q = ax / d;
                    r = ax % d;
                } else {
                    // |dx:ax| / |d| unsigned, then the signs: quotient negative when they differ, remainder has the dividend's
                    boolean negN = dx < 0, negD = d < 0;
                    long hi = dx, lo = ax;
                    if (negN) { lo = -ax; hi = ~dx + (ax == 0 ? 1 : 0); }
                    long ud = negD ? -d : d;
                    if (Long.compareUnsigned(hi, ud) >= 0) return false;           // |quotient| >= 2^64
                    long uq = udiv128(hi, lo, ud);
                    long ur = divRemainder;
                    if (negN != negD) {
                        if (Long.compareUnsigned(uq, Long.MIN_VALUE) > 0) return false;   // below -2^63
                        q = -uq;
                    } else {
                        if (uq < 0) return false;                                     // 2^63 or more
                        q = uq;
                    }
                    r = negN ? -ur : ur;
                }
            } else {
                long n = size == 1 ? (long) (short) ax : Flags.signExtend(((dx & mask) << bits) | (ax & mask), size * 2);
                q = n / d;
                r = n % d;
                if (Flags.signExtend(q, size) != q) return false;
            }
        }
        storeAxDx(size, q & mask, r & mask);
        return true;
    }

    private long divRemainder;

    /** Unsigned (hi:lo) / d for hi &lt; d (unsigned): the quotient; the remainder goes to divRemainder. No allocation. */
    private long udiv128(long hi, long lo, long d) {
        long q = 0, r = hi;
        for (int i = 63; i >= 0; i--) {
            boolean carry = r < 0;                          // the 65th bit of 2r
            r = (r << 1) | ((lo >>> i) & 1);
            q <<= 1;
            if (carry || Long.compareUnsigned(r, d) >= 0) {
                r -= d;
                q |= 1;
            }
        }
        divRemainder = r;
        return q;
    }

    /** Low part to al/ax/eax/rax, high part to ah/dx/edx/rdx. */
    private void storeAxDx(int size, long lo, long hi) {
        if (size == 1) {
            gpr[RAX] = (gpr[RAX] & ~0xffffL) | ((hi & 0xff) << 8) | (lo & 0xff);
        } else if (size == 2) {
            gpr[RAX] = (gpr[RAX] & ~0xffffL) | (lo & 0xffff);
            gpr[RDX] = (gpr[RDX] & ~0xffffL) | (hi & 0xffff);
        } else if (size == 4) {
            gpr[RAX] = lo & 0xffffffffL;
            gpr[RDX] = hi & 0xffffffffL;
        } else {
            gpr[RAX] = lo;
            gpr[RDX] = hi;
        }
    }

    /** al / ax / eax (zero-extended) / rax. */
    private void writeAcc(int size, long v) {
        switch (size) {
            case 1: gpr[RAX] = (gpr[RAX] & ~0xffL) | (v & 0xff); break;
            case 2: gpr[RAX] = (gpr[RAX] & ~0xffffL) | (v & 0xffff); break;
            case 4: gpr[RAX] = v & 0xffffffffL; break;
            default: gpr[RAX] = v;
        }
    }

    /** Writes a counter/pointer register at an address size: 16-bit merges, 32-bit zero-extends. */
    private void setCounter(int reg, long v, long amask) {
        if (amask == 0xffffL) gpr[reg] = (gpr[reg] & ~0xffffL) | (v & 0xffff);
        else gpr[reg] = v & amask;
    }

    private long segmentBase(int seg) {
        return seg == 4 ? fsBase : seg == 5 ? gsBase : 0;
    }

    // ---------------------------------------------------------------- bit test, rotates, double shifts

    /**
     * bt bts btr btc. Register destination: bit offset mod the operand width. Memory destination with
     * an immediate offset: offset mod the width at the operand address; with a register offset: the
     * bit-string form, the signed offset selects the operand-sized word at ea + (offset >> log2(width)) * size.
     * CF = the selected bit; ZF unaffected; OF SF AF PF undefined in the SDM: see Flags.bitTestFlags.
     */
    private void bitTest(Instruction insn, Operand[] ops, int size) {
        Operand d = ops[0];
        int bits = size * 8;
        long off;
        boolean immOffset = ops[1] instanceof Operand.Imm;
        if (immOffset) off = ((Operand.Imm) ops[1]).value() & 0xff;
        else off = Flags.signExtend(readReg((Operand.Reg) ops[1]), size);
        Mnemonic mn = insn.mnemonic();
        boolean mem = d instanceof Operand.Mem;
        long addr = 0;
        long a;
        if (mem) {
            addr = ea((Operand.Mem) d, insn);
            if (!immOffset) {
                addr += (off >> (size == 8 ? 6 : size == 4 ? 5 : 4)) * size;
                if (!long64) addr &= 0xffffffffL;
            }
            a = mn == Mnemonic.BT ? memory.load(addr, size) : memory.loadForWrite(addr, size);
            lastCycles += CycleCosts.LOAD + (immOffset ? 0 : CycleCosts.BIT_STRING);
        } else {
            a = readReg((Operand.Reg) d);
        }
        int bit = (int) (off & (bits - 1));
        long m = 1L << bit;
        boolean cf = (a & m) != 0;
        long res;
        switch (mn) {
            case BTS: res = a | m; break;
            case BTR: res = a & ~m; break;
            case BTC: res = a ^ m; break;
            default: res = a; break;
        }
        if (mn != Mnemonic.BT) {
            if (mem) {
                memory.store(addr, size, res);
                lastCycles += CycleCosts.STORE;
            } else {
                writeReg((Operand.Reg) d, res);
            }
        }
        rflags = Flags.bitTestFlags(rflags, cf);
    }

    private int shiftCount(Operand[] ops, int at, int size) {
        int count;
        if (ops.length <= at) count = 1;
        else if (ops[at] instanceof Operand.Imm) count = (int) ((Operand.Imm) ops[at]).value();
        else count = (int) gpr[RCX];                       // %cl
        return count & (size == 8 ? 63 : 31);
    }

    /**
     * rol ror rcl rcr. The count is masked to 5 bits (6 for 64-bit); nothing changes when it is 0.
     * rol/ror: CF = the bit rotated last (lsb / msb of the result), also when count mod width is 0;
     * rcl/rcr rotate through CF by count mod 9 (8-bit), mod 17 (16-bit); when that is 0 nothing changes
     * (flags included, as on the host). Only CF and OF change. OF is defined for count 1 only; at larger
     * counts the host computes it from the input for rcl/rcr, for rol/ror by %cl and for rol/ror of memory
     * by an immediate (Flags.rotateOf), but leaves it unchanged for rol/ror of a register by an immediate:
     * we do the same.
     */
    private void rotate(Instruction insn, Operand[] ops, int size) {
        Operand d = ops[0];
        int count = shiftCount(ops, 1, size);
        int bits = size * 8;
        long mask = Flags.mask(size);
        long a = loadDest(d, insn, size, CycleCosts.LOAD + CycleCosts.STORE);
        if (count == 0) {
            touchDest(d, size, a);
            return;
        }
        Mnemonic mn = insn.mnemonic();
        long res;
        boolean cf;
        long cfIn = rflags & CF;
        switch (mn) {
            case ROL: {
                int c = count % bits;
                res = c == 0 ? a : ((a << c) | (a >>> (bits - c))) & mask;
                cf = (res & 1) != 0;
                break;
            }
            case ROR: {
                int c = count % bits;
                res = c == 0 ? a : ((a >>> c) | (a << (bits - c))) & mask;
                cf = (res & Flags.signBit(size)) != 0;
                break;
            }
            case RCL: {
                int c = size == 1 ? count % 9 : size == 2 ? count % 17 : count;
                if (c == 0) {                              // 8/16-bit count that is a multiple of 9/17:
                    if (destInMemory) memory.checkWrite(destAddr, size);   // nothing rotates and CF OF stay (host)
                    return;
                }
                res = a;
                cf = cfIn != 0;
                for (int i = 0; i < c; i++) {              // at most 63 single-bit steps; no allocation
                    boolean out = (res & Flags.signBit(size)) != 0;
                    res = ((res << 1) | (cf ? 1 : 0)) & mask;
                    cf = out;
                }
                lastCycles += CycleCosts.RCL_RCR;
                break;
            }
            default: {                                     // RCR
                int c = size == 1 ? count % 9 : size == 2 ? count % 17 : count;
                if (c == 0) {
                    if (destInMemory) memory.checkWrite(destAddr, size);
                    return;
                }
                res = a;
                cf = cfIn != 0;
                for (int i = 0; i < c; i++) {
                    boolean out = (res & 1) != 0;
                    res = (res >>> 1) | (cf ? Flags.signBit(size) : 0);
                    cf = out;
                }
                lastCycles += CycleCosts.RCL_RCR;
                break;
            }
        }
        storeDest(d, size, res);
        long f = rflags & ~(CF | OF);
        if (cf) f |= CF;
        boolean of;
        if ((mn == Mnemonic.ROL || mn == Mnemonic.ROR) && count > 1 && ops.length > 1 && ops[1] instanceof Operand.Imm && !destInMemory) {
            of = (rflags & OF) != 0;                       // host: rol/ror of a register by an immediate above 1 leaves OF
        } else {
            of = Flags.rotateOf(mn == Mnemonic.ROL || mn == Mnemonic.RCL, mn == Mnemonic.RCR ? cfIn != 0 : (a & 1) != 0, a, size);
        }
        if (of) f |= OF;
        rflags = f;
    }

    /**
     * shld / shrd: count masked to 5 bits (6 for 64-bit); 0 changes nothing. A 16-bit count above 16
     * is undefined in the SDM (result and flags); we shift the 32-bit dest:src:dest pattern, as the host does.
     */
    private void doubleShift(Instruction insn, Operand[] ops, int size) {
        Operand d = ops[0];
        int count = shiftCount(ops, 2, size);
        int bits = size * 8;
        long mask = Flags.mask(size);
        long a = loadDest(d, insn, size, CycleCosts.LOAD + CycleCosts.STORE);
        long b = readReg((Operand.Reg) ops[1]);
        if (count == 0) {
            touchDest(d, size, a);
            return;
        }
        boolean left = insn.mnemonic() == Mnemonic.SHLD;
        long res;
        boolean cf;
        if (size == 2) {
            // counts 17..31 read on into a second copy of the destination: dest:src:dest (host behaviour)
            if (left) {
                long w = (a << 32) | (b << 16) | a;
                res = (w >>> (32 - count)) & 0xffff;
                cf = ((w >>> (48 - count)) & 1) != 0;
            } else {
                long w = (a << 32) | (b << 16) | a;
                res = (w >>> count) & 0xffff;
                cf = ((w >>> (count - 1)) & 1) != 0;
            }
        } else if (left) {
            res = ((a << count) | (b >>> (bits - count))) & mask;
            cf = ((a >>> (bits - count)) & 1) != 0;
        } else {
            res = ((a >>> count) | (b << (bits - count))) & mask;
            cf = ((a >>> (count - 1)) & 1) != 0;
        }
        storeDest(d, size, res);
        rflags = (rflags & ~STATUS) | Flags.doubleShift(left, a, b, res, cf, count, size);
    }

    // ---------------------------------------------------------------- string instructions

    /**
     * One iteration of movs stos lods cmps scas; with rep/repe/repne one iteration per step (rip stays
     * on the instruction until the repeat ends, so interrupts, traps and faults see the architectural
     * intermediate state, as on hardware). Returns true when the instruction is complete.
     */
    private boolean string(Instruction insn, Operand[] ops, int size) {
        Mnemonic mn = insn.mnemonic();
        boolean repz = insn.has(Prefixes.REP), repnz = insn.has(Prefixes.REPNE);
        boolean rep = repz || repnz;
        long amask = insn.has(Prefixes.ADDRSIZE) ? (long64 ? 0xffffffffL : 0xffffL) : (long64 ? -1L : 0xffffffffL);
        if (rep && (gpr[RCX] & amask) == 0) return true;
        long step = (rflags & DF) != 0 ? -size : size;
        long si = gpr[RSI] & amask, di = gpr[RDI] & amask;
        int srcSeg = -1;
        for (Operand o : ops) {
            if (o instanceof Operand.Mem && ((Operand.Mem) o).base() == RSI) srcSeg = ((Operand.Mem) o).segment();
        }
        long src = si + segmentBase(srcSeg), dst = di;
        if (!long64) { src &= 0xffffffffL; dst &= 0xffffffffL; }
        boolean cmp = false;
        switch (mn) {
            case MOVS: {
                long v = memory.load(src, size);
                memory.store(dst, size, v);
                setCounter(RSI, si + step, amask);
                setCounter(RDI, di + step, amask);
                lastCycles += CycleCosts.LOAD + CycleCosts.STORE;
                break;
            }
            case STOS:
                memory.store(dst, size, gpr[RAX]);
                setCounter(RDI, di + step, amask);
                lastCycles += CycleCosts.STORE;
                break;
            case LODS: {
                long v = memory.load(src, size);
                writeAcc(size, v);
                setCounter(RSI, si + step, amask);
                lastCycles += CycleCosts.LOAD;
                break;
            }
            case CMPS: {
                long x = memory.load(src, size);
                long y = memory.load(dst, size);
                rflags = (rflags & ~STATUS) | Flags.sub(x, y, (x - y) & Flags.mask(size), size);
                setCounter(RSI, si + step, amask);
                setCounter(RDI, di + step, amask);
                lastCycles += 2 * CycleCosts.LOAD;
                cmp = true;
                break;
            }
            default: {                                     // SCAS
                long x = gpr[RAX] & Flags.mask(size);
                long y = memory.load(dst, size);
                rflags = (rflags & ~STATUS) | Flags.sub(x, y, (x - y) & Flags.mask(size), size);
                setCounter(RDI, di + step, amask);
                lastCycles += CycleCosts.LOAD;
                cmp = true;
                break;
            }
        }
        if (!rep) return true;
        long c = ((gpr[RCX] & amask) - 1) & amask;
        setCounter(RCX, c, amask);
        if (c == 0) return true;
        if (cmp) {
            boolean zf = (rflags & ZF) != 0;
            if (repz ? !zf : zf) return true;
        }
        return false;
    }

    // ---------------------------------------------------------------- cpuid

    /**
     * Fixed, documented identification (the seeds' Xeon E5410, Penryn family 6 model 0x17):
     * leaf 0: max basic leaf 1, "GenuineIntel"; leaf 1: signature 0x1067a, ebx = clflush line 64 bytes
     * (8 << 8), 4 logical processors (4 << 16), initial APIC id 0; ecx/edx: the E5410 feature bits
     * (SSE3 MONITOR DS-CPL VMX EST TM2 SSSE3 CX16 xTPR PDCM DCA SSE4.1 / FPU..PBE);
     * 0x80000000: max extended leaf 0x80000001; 0x80000001: LAHF (ecx bit 0), SYSCALL NX LM (edx).
     * Every other leaf returns zeros. The upper halves of rax rbx rcx rdx are cleared.
     */
    private void cpuid() {
        int leaf = (int) gpr[RAX];
        long a = 0, b = 0, c = 0, d = 0;
        switch (leaf) {
            case 0: a = 1; b = 0x756e6547L; d = 0x49656e69L; c = 0x6c65746eL; break;   // "Genu" "ineI" "ntel"
            case 1: a = 0x1067aL; b = (4L << 16) | (8L << 8); c = 0x000ce3bdL; d = 0xbfebfbffL; break;
            case 0x80000000: a = 0x80000001L; break;
            case 0x80000001: c = 1; d = (1L << 11) | (1L << 20) | (1L << 29); break;
            default: break;
        }
        gpr[RAX] = a;
        gpr[RBX] = b;
        gpr[RCX] = c;
        gpr[RDX] = d;
    }

    // ---------------------------------------------------------------- iret

    private int iret(Instruction insn) {
        int n = insn.opSize() == 0 ? (long64 ? 8 : 4) : insn.opSize();
        if (n == 2) return unsupported();
        long sp = sp();
        long newRip = stackRead(sp, n);
        long newCs = stackRead(sp + n, n) & 0xffff;
        long newFlags = stackRead(sp + 2L * n, n);
        long newSp, newSs;
        boolean outer = (newCs & 3) > cpl;
        boolean popStack = long64 || outer;
        if (popStack) {
            newSp = stackRead(sp + 3L * n, n);
            newSs = stackRead(sp + 4L * n, n) & 0xffff;
        } else {
            newSp = sp + 3L * n;
            newSs = ss;
        }
        if (badTarget(newRip)) return Step.GP;
        if ((newCs & 3) < cpl) return gp0();           // iret may not raise privilege
        long m = writableFlags() | RF;
        if (n == 4) m &= 0xffffffffL;
        rflags = ((rflags & ~m) | (newFlags & m) | RESERVED1);
        if (n == 4 && long64) newRip &= 0xffffffffL;
        rip = newRip;
        cs = (int) newCs;
        ss = (int) newSs;
        cpl = (int) (newCs & 3);
        setSp(newSp);
        return Step.OK;
    }

    // --- the run's cost model (calibration varies trap entry and iret) ---------------------------

    private int trapEntryCycles = CycleCosts.TRAP_ENTRY;
    private int iretCycles = CycleCosts.IRET;

    /** Takes this run's trap-entry and iret cycles from {@code costs}. */
    public void setCosts(io.probesim.x86.cost.CostModel costs) {
        trapEntryCycles = Math.toIntExact(costs.cycles(io.probesim.x86.cost.Cost.TRAP_ENTRY));
        iretCycles = Math.toIntExact(costs.cycles(io.probesim.x86.cost.Cost.IRET));
    }
}
