package io.probesim.x86.asm;

import io.probesim.x86.decode.Mnemonic;
import io.probesim.x86.decode.Mode;
import io.probesim.x86.decode.OpcodeEntry;
import io.probesim.x86.decode.OpcodeMap;
import io.probesim.x86.decode.OperandSpec;
import io.probesim.x86.decode.OperandSpec.Kind;
import io.probesim.x86.decode.Regs;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Encodes one instruction by searching the opcode map backwards: every entry of the mnemonic, at every operand
 * size, whose operand forms accept the source operands; the shortest encoding wins (ties: map order), as GNU as.
 */
final class Encoder {
    private final Mode mode;
    private final boolean m64;

    Encoder(Mode mode) {
        this.mode = mode;
        this.m64 = mode == Mode.BITS64;
    }

    /** Symbol lookup: null when not (yet) known. */
    interface Symbols { Long value(String name); }

    /** The kinds of operand forms this encoder writes: general, segment, control and debug registers, memory, immediates. */
    private static final java.util.Set<Kind> KINDS = java.util.EnumSet.of(Kind.E, Kind.M, Kind.R, Kind.G, Kind.Z,
            Kind.I, Kind.IBS, Kind.J, Kind.O, Kind.X, Kind.Y, Kind.S, Kind.C, Kind.D, Kind.AP, Kind.ONE, Kind.FIXED, Kind.SEG);

    /** A mnemonic with at least one legacy opcode-map entry made only of operand forms the encoder writes. */
    static boolean encodable(Mnemonic m) {
        for (OpcodeEntry e : OpcodeMap.byMnemonic(m))
            if (e.operands().stream().allMatch(o -> KINDS.contains(o.kind()))) return true;
        return false;
    }

    /** The encoding, and whether a short branch form was used. */
    record Result(byte[] bytes, boolean shortBranch) {}

    Result encode(Statement.Insn s, long address, Symbols syms, boolean allowShort, boolean strict) {
        Names.Resolved r = Names.resolve(s.mnemonic());
        if (r == null) {
            String sug = Names.suggest(s.mnemonic());
            throw new AsmException(s.line(), s.column(), "unknown mnemonic '" + s.mnemonic() + "'"
                    + (sug != null ? ": did you mean '" + sug + "'?" : ""));
        }
        List<AsmOperand> intel = new ArrayList<>(s.operands());
        Collections.reverse(intel);
        if (r.mnemonic() == Mnemonic.ENTER) Collections.reverse(intel);
        Result best = null;
        boolean bestImm8 = false;
        boolean segReg = s.operands().stream().anyMatch(o -> o instanceof AsmOperand.Reg g && g.reg() >= Regs.ES);
        List<Integer> memSizes = new ArrayList<>();
        String why = null;
        for (OpcodeEntry e : OpcodeMap.byMnemonic(r.mnemonic())) {
            if (!e.validIn(mode) || e.exactModrm() >= 0 && e.operands().isEmpty() && !intel.isEmpty() || e.has(OpcodeEntry.NOASM)) continue;
            for (int opSize : opSizes(e, r.size())) {
                try {
                    Attempt a = new Attempt(s, r, e, opSize, intel, address, syms, allowShort, strict);
                    Result res = a.run();
                    if (res == null) continue;
                    if (best == null || res.bytes().length < best.bytes().length
                            || res.bytes().length == best.bytes().length && a.imm8 && !bestImm8) {
                        best = res;
                        bestImm8 = a.imm8;
                    }
                    if (a.memSize > 0 && !memSizes.contains(a.memSize)) memSizes.add(a.memSize);
                } catch (Mismatch m) {
                    if (why == null) why = m.getMessage();
                }
            }
        }
        if (best == null)
            throw new AsmException(s.line(), s.column(), why != null ? why : "invalid operands for '" + s.mnemonic() + "'");
        if (memSizes.size() > 1 && r.size() == 0 && !r.mnemonic().noSuffix() && !segReg)
            throw new AsmException(s.line(), s.column(), "operand size is ambiguous for '" + s.mnemonic()
                    + "': add a size suffix (b, w, l or q)");
        return best;
    }

    private List<Integer> opSizes(OpcodeEntry e, int given) {
        List<Integer> l = new ArrayList<>();
        if (m64 && e.has(OpcodeEntry.F64)) l.add(8);
        else if (m64 && e.has(OpcodeEntry.D64)) { l.add(8); l.add(2); }
        else if (m64) { l.add(4); l.add(8); l.add(2); }
        else { l.add(4); l.add(2); }
        return l;
    }

    static final class Mismatch extends RuntimeException {
        Mismatch(String m) { super(m, null, false, false); }
    }

    /** One try of one entry at one operand size. */
    private final class Attempt {
        final Statement.Insn s;
        final Names.Resolved r;
        final OpcodeEntry e;
        final int opSize;
        final List<AsmOperand> ops;
        final long address;
        final Symbols syms;
        final boolean allowShort, strict;
        int memSize;
        boolean imm8;

        int rex;
        boolean needRex, forbidRex;
        int regField = -1;
        AsmOperand rmOp;
        int rmSize;
        final List<long[]> imms = new ArrayList<>();     // {value, bytes}
        long relTarget;
        int relBytes;
        boolean shortBranch;

        Attempt(Statement.Insn s, Names.Resolved r, OpcodeEntry e, int opSize, List<AsmOperand> ops, long address,
                Symbols syms, boolean allowShort, boolean strict) {
            this.s = s; this.r = r; this.e = e; this.opSize = opSize; this.ops = ops; this.address = address;
            this.syms = syms; this.allowShort = allowShort; this.strict = strict;
        }

        int size(char c) {
            return switch (c) {
                case 'b' -> 1; case 'w' -> 2; case 'd' -> 4; case 'q' -> 8; case 'v' -> opSize;
                case 'z' -> opSize == 2 ? 2 : 4; case 'y' -> opSize == 8 ? 8 : 4; case 'r' -> m64 ? 8 : 4;
                default -> 0;
            };
        }

        Result run() {
            List<OperandSpec> specs = e.operands();
            List<AsmOperand> src = new ArrayList<>();
            for (AsmOperand o : ops)   // a bare address is memory unless it is a direct branch target
                src.add(o instanceof AsmOperand.Target t && (s.indirect() || !isBranch())
                        ? new AsmOperand.Mem(-1, t.value(), -1, -1, 1, false, 0, t.column()) : o);
            boolean implicitOne = specs.size() == ops.size() + 1 && !specs.isEmpty() && specs.get(specs.size() - 1).kind() == Kind.ONE;
            boolean implicitString = ops.isEmpty() && !specs.isEmpty()
                    && specs.stream().allMatch(p -> p.kind() == Kind.X || p.kind() == Kind.Y || p.kind() == Kind.FIXED);
            if (specs.size() != src.size() && !implicitOne && !implicitString) return null;
            if (s.indirect() != (e.flow() == io.probesim.x86.decode.FlowKind.CALL_INDIRECT
                    || e.flow() == io.probesim.x86.decode.FlowKind.JMP_INDIRECT
                    || (e.flow() == io.probesim.x86.decode.FlowKind.FAR && e.opcode() == 0xff))) return null;
            boolean sized = e.mnemonic().sizedName()
                    || specs.stream().anyMatch(p -> "vzy".indexOf(p.size()) >= 0 || p.kind() == Kind.IBS);
            if (!sized && opSize != (m64 && (e.has(OpcodeEntry.D64) || e.has(OpcodeEntry.F64)) ? 8 : 4)) return null;
            if (!m64 && sized && opSize == 8) return null;
            if (r.movabs() && !(e.map() == 0 && (e.opcode() >= 0xa0 && e.opcode() <= 0xa3 || e.opcode() >= 0xb8))) return null;
            int effective = 0;
            for (int k = 0; k < specs.size(); k++) {
                OperandSpec p = specs.get(k);
                if (implicitString) {
                    if (p.kind() != Kind.FIXED) memSize = Math.max(memSize, size(p.size()));
                    else if (effective == 0) effective = size(p.size());
                    continue;
                }
                if (k >= src.size()) continue;   // implicit 1
                int sz = match(p, src.get(k));
                if (effective == 0 && sz > 0 && (src.get(k) instanceof AsmOperand.Reg rg && rg.reg() < 16
                        || src.get(k) instanceof AsmOperand.Mem)) effective = sz;
            }
            if (implicitString && effective == 0) effective = memSize;
            int dflt = m64 && (e.has(OpcodeEntry.D64) || e.has(OpcodeEntry.F64)) ? 8 : 4;
            if (effective == 0 && r.size() == 0 && sized && opSize != dflt) return null;   // 66 only when asked for
            if (effective == 0) effective = sized ? opSize : 0;
            if (r.size() != 0) {
                int want = e.mnemonic().sizedName() ? opSize : effective;
                if (want != r.size()) return null;
            }
            return new Result(emit(sized), shortBranch);
        }

        int regSize(AsmOperand o) { return o instanceof AsmOperand.Reg g ? g.size() : -1; }

        /** Returns the size this operand takes, or throws Mismatch / returns -1. */
        int match(OperandSpec p, AsmOperand o) {
            int sz = size(p.size());
            switch (p.kind()) {
                case E, R, M, G, Z -> {
                    if (o instanceof AsmOperand.Reg g) {
                        if (p.kind() == Kind.M) throw new Mismatch("'" + s.mnemonic() + "' needs a memory operand");
                        if (g.reg() >= 16 || g.size() != sz) throw new Mismatch("operand size mismatch for '" + s.mnemonic() + "'");
                        useReg(g);
                        if (p.kind() == Kind.G) regField = code(g);
                        else if (p.kind() == Kind.Z) {
                            if (g.reg() >= 8) rex |= 1;
                            if ((code(g) & 7) != (e.opcode() & 7)) throw new Mismatch("no form");
                        } else { rmOp = g; }
                        return sz;
                    }
                    if (o instanceof AsmOperand.Mem mem && (p.kind() == Kind.E || p.kind() == Kind.M)) {
                        rmOp = mem;
                        rmSize = sz;
                        memSize = sz;
                        return sz;
                    }
                    if (o instanceof AsmOperand.Target t && (p.kind() == Kind.E || p.kind() == Kind.M) && !isBranch()) {
                        rmOp = new AsmOperand.Mem(-1, t.value(), -1, -1, 1, false, 0, t.column());
                        memSize = sz;
                        return sz;
                    }
                    throw new Mismatch("operand type mismatch for '" + s.mnemonic() + "'");
                }
                case FIXED -> {
                    if (o instanceof AsmOperand.Reg g && g.reg() == p.fixedReg() && g.size() == sz && !g.highByte()) {
                        useReg(g);
                        return sz;
                    }
                    throw new Mismatch("no form");
                }
                case SEG, S -> {
                    if (o instanceof AsmOperand.Reg g && g.reg() >= Regs.ES && g.reg() <= Regs.GS
                            && (p.kind() == Kind.S || g.reg() == p.fixedReg())) {
                        if (p.kind() == Kind.S) regField = g.reg() - Regs.ES;
                        return 0;
                    }
                    throw new Mismatch("no form");
                }
                case I, IBS, ONE -> {
                    if (!(o instanceof AsmOperand.Imm im)) throw new Mismatch("operand type mismatch for '" + s.mnemonic() + "'");
                    Long v = value(im.value(), im.column());
                    boolean known = im.value().isNumber();
                    if (p.kind() == Kind.ONE) {
                        if (!known || v != 1) throw new Mismatch("no form");
                        return 0;
                    }
                    int n = p.kind() == Kind.IBS ? 1 : p.size() == 'v' ? opSize : size(p.size());
                    long val = v == null ? 0 : v;
                    if (p.kind() == Kind.IBS) {
                        imm8 = true;
                        if (!known) throw new Mismatch("no form");
                        long t = opSize == 8 ? val : val << (64 - 8 * opSize) >> (64 - 8 * opSize);
                        if (!fitsUnsignedOrSigned(val, opSize) || t < -128 || t > 127) throw new Mismatch("no form");
                    } else {
                        if (known && !fitsImm(val, n, p.size() == 'z' && opSize == 8)) throw new Mismatch("immediate out of range");
                        if (!known && n < 4) throw new Mismatch("no form");
                    }
                    imms.add(new long[] {val, n});
                    return 0;
                }
                case J -> {
                    if (!(o instanceof AsmOperand.Target t)) throw new Mismatch("operand type mismatch for '" + s.mnemonic() + "'");
                    Long v = value(t.value(), t.column());
                    relTarget = v == null ? address : v;
                    relBytes = p.size() == 'b' ? 1 : opSize == 2 ? 2 : 4;
                    if (relBytes == 1) {
                        if (!allowShort && hasLongForm()) throw new Mismatch("no form");
                        shortBranch = true;
                    }
                    return 0;
                }
                case O -> {
                    if (!(o instanceof AsmOperand.Mem m && m.absolute() || o instanceof AsmOperand.Target))
                        throw new Mismatch("no form");
                    if (m64 && !r.movabs()) throw new Mismatch("no form");
                    AsmOperand.Expr d = o instanceof AsmOperand.Mem m ? m.disp() : ((AsmOperand.Target) o).value();
                    Long v = value(d, o.column());
                    imms.add(new long[] {v == null ? 0 : v, m64 ? 8 : 4});
                    if (o instanceof AsmOperand.Mem m && m.segment() >= 0) segment = m.segment();
                    memSize = sz;
                    return sz;
                }
                default -> throw new Mismatch("no form");
            }
        }

        int segment = -1;

        boolean isBranch() {
            return e.flow() == io.probesim.x86.decode.FlowKind.CALL || e.flow() == io.probesim.x86.decode.FlowKind.JMP
                    || e.flow() == io.probesim.x86.decode.FlowKind.JCC || e.flow() == io.probesim.x86.decode.FlowKind.LOOP
                    || e.flow() == io.probesim.x86.decode.FlowKind.CALL_INDIRECT || e.flow() == io.probesim.x86.decode.FlowKind.JMP_INDIRECT;
        }

        boolean hasLongForm() {
            return OpcodeMap.byMnemonic(e.mnemonic()).stream().anyMatch(x -> x.operands().size() == 1
                    && x.operands().get(0).kind() == Kind.J && x.operands().get(0).size() == 'z' && x.validIn(mode));
        }

        boolean fitsUnsignedOrSigned(long v, int n) {
            if (n >= 8) return true;
            long lim = 1L << (8 * n);
            return v >= -(lim >> 1) && v < lim;
        }

        boolean fitsImm(long v, int n, boolean signExtended64) {
            if (signExtended64) return v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            return fitsUnsignedOrSigned(v, n);
        }

        int code(AsmOperand.Reg g) { return g.highByte() ? g.reg() + 4 : g.reg(); }

        void useReg(AsmOperand.Reg g) {
            if (g.size() == 1 && !g.highByte() && g.reg() >= 4 && g.reg() < 8) needRex = true;
            if (g.highByte()) forbidRex = true;
            if (g.reg() >= 8 && g.reg() < 16 && !m64) throw new Mismatch("'%" + Regs.name(g.reg(), g.size(), false) + "' exists only in 64-bit mode");
        }

        Long value(AsmOperand.Expr x, int column) {
            if (x.isNumber()) return x.offset();
            Long v = syms.value(x.symbol());
            if (v == null) {
                if (strict) throw new AsmException(s.line(), column, "undefined label '" + x.symbol() + "'");
                return null;
            }
            return v + x.offset();
        }

        byte[] emit(boolean sized) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            boolean w = sized && opSize == 8 && !e.has(OpcodeEntry.D64) && !e.has(OpcodeEntry.F64);
            if (w) rex |= 8;
            if (regField >= 8) rex |= 4;
            // memory first: it decides SIB/disp and REX.X/B
            ByteArrayOutputStream modrmBytes = new ByteArrayOutputStream();
            int ripFix = -1;
            boolean ripRaw = false;
            long ripTarget = 0;
            int addr67 = 0;
            boolean hasModrm = e.hasModrm();
            if (hasModrm) {
                int reg = e.reg() >= 0 ? e.reg() : regField < 0 ? 0 : regField & 7;
                if (e.exactModrm() >= 0) modrmBytes.write(e.exactModrm());
                else if (rmOp instanceof AsmOperand.Reg g) {
                    if (g.reg() >= 8) rex |= 1;
                    modrmBytes.write(0xc0 | reg << 3 | (code(g) & 7));
                } else if (rmOp instanceof AsmOperand.Mem m) {
                    if (m.segment() >= 0) segment = m.segment();
                    if (m64 && m.addrSize() == 4) addr67 = 1;
                    if (!m64 && m.addrSize() == 8) throw new AsmException(s.line(), m.column(), "64-bit address registers need 64-bit mode");
                    Long dv = value(m.disp(), m.column());
                    long disp = dv == null ? 0 : dv;
                    boolean symbolic = !m.disp().isNumber();
                    if (m.rip()) {
                        modrmBytes.write(reg << 3 | 5);
                        ripFix = modrmBytes.size();
                        ripTarget = disp;
                        ripRaw = m.disp().isNumber();
                        writeLE(modrmBytes, 0, 4);
                    } else if (m.base() < 0 && m.index() < 0) {
                        if (m64) { modrmBytes.write(reg << 3 | 4); modrmBytes.write(0x25); }
                        else modrmBytes.write(reg << 3 | 5);
                        writeLE(modrmBytes, disp, 4);
                    } else {
                        int base = m.base(), index = m.index();
                        if (index >= 8) rex |= 2;
                        if (base >= 8) rex |= 1;
                        int mod;
                        if (base < 0) mod = 0;
                        else if (disp == 0 && !symbolic && (base & 7) != 5) mod = 0;
                        else if (!symbolic && disp >= -128 && disp <= 127) mod = 1;
                        else mod = 2;
                        boolean sib = index >= 0 || base < 0 || (base & 7) == 4;
                        if (sib) {
                            modrmBytes.write(mod << 6 | reg << 3 | 4);
                            int ss = Integer.numberOfTrailingZeros(m.scale());
                            modrmBytes.write(ss << 6 | (index < 0 ? 4 : index & 7) << 3 | (base < 0 ? 5 : base & 7));
                        } else {
                            modrmBytes.write(mod << 6 | reg << 3 | (base & 7));
                        }
                        if (base < 0 || mod == 2) writeLE(modrmBytes, disp, 4);
                        else if (mod == 1) modrmBytes.write((int) disp);
                    }
                } else {
                    modrmBytes.write(0xc0 | reg << 3);
                }
            }
            if (needRex && forbidRex || rex != 0 && forbidRex)
                throw new AsmException(s.line(), s.column(), "%ah/%bh/%ch/%dh cannot be used with a REX prefix");
            if (rex != 0 && !m64) throw new Mismatch("no form");
            // prefixes, in GNU as order: segment, 67, 66, rep/mandatory, lock, REX
            if (segment >= 0) out.write(new int[] {0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65}[segment]);
            if (addr67 != 0) out.write(0x67);
            if (sized && opSize == 2) out.write(0x66);
            for (String p : s.prefixes()) {
                if (p.equals("lock")) continue;
                out.write(p.equals("repne") || p.equals("repnz") ? 0xf2 : 0xf3);
            }
            if (e.prefix() != 0) out.write(e.prefix());
            if (s.prefixes().contains("lock")) out.write(0xf0);
            if (rex != 0 || needRex) out.write(0x40 | rex);
            if (e.map() >= 1) out.write(0x0f);
            if (e.map() == 2) out.write(0x38);
            if (e.map() == 3) out.write(0x3a);
            out.write(e.opcode());
            int modrmStart = out.size();
            out.writeBytes(modrmBytes.toByteArray());
            for (long[] im : imms) writeLE(out, im[0], (int) im[1]);
            int relAt = out.size();
            if (relBytes > 0) writeLE(out, 0, relBytes);
            byte[] b = out.toByteArray();
            long next = address + b.length;
            if (relBytes > 0) {
                long d = relTarget - next;
                if (relBytes == 1 && (d < -128 || d > 127)) {
                    if (hasLongForm()) throw new Mismatch("no form");
                    if (strict) throw new AsmException(s.line(), s.column(), "branch target out of range for '" + s.mnemonic() + "'");
                }
                patch(b, relAt, d, relBytes);
            }
            if (ripFix >= 0) patch(b, modrmStart + ripFix, ripRaw ? ripTarget : ripTarget - next, 4);
            return b;
        }
    }

    static void writeLE(ByteArrayOutputStream o, long v, int n) {
        for (int i = 0; i < n; i++) o.write((int) (v >>> (8 * i)));
    }

    static void patch(byte[] b, int at, long v, int n) {
        for (int i = 0; i < n; i++) b[at + i] = (byte) (v >>> (8 * i));
    }
}
