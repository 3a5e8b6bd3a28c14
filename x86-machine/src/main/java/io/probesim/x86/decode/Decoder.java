package io.probesim.x86.decode;

import java.util.Arrays;
import java.util.List;

/**
 * x86 decoder over the opcode map, in stages: legacy prefixes and REX, or a VEX / EVEX / XOP prefix; the opcode with
 * the 0F / 0F38 / 0F3A escapes; the map lookup; ModRM, SIB, displacement; immediates.
 */
public final class Decoder {
    static final int MAX_LENGTH = 15;

    private Decoder() {}

    public static Instruction decode(byte[] code, int offset, long address, Mode mode) {
        return decode(a -> {
            long i = offset + (a - address);
            if (i < 0 || i >= code.length) throw new IndexOutOfBoundsException("end of code");
            return code[(int) i] & 0xff;
        }, address, mode);
    }

    public static Instruction decode(ByteSource src, long address, Mode mode) {
        return new Run(src, address, mode).decode();
    }

    /** The state of one decode. */
    private static final class Run {
        final ByteSource src;
        final long address;
        final boolean m64;
        final byte[] buf = new byte[MAX_LENGTH];
        int len;

        int prefixes;
        int rex;             // 0 or 0x40-0x4f; for VEX/EVEX/XOP the same bits rebuilt from the prefix (0x40 | WRXB)
        boolean rexByte;     // a REX prefix byte was present
        int lastRep;         // 0, 0xf2 or 0xf3
        int segment = -1;    // last segment override 0..5
        int usedRex;         // REX bits that mattered; 0x10 = a byte register was named
        int opSize, addrSize;
        int map, opcode, modrm = -1;
        OpcodeEntry entry;

        // VEX / EVEX / XOP fields
        Encoding enc = Encoding.LEGACY;
        int pp;              // implied mandatory prefix: 0, 0x66, 0xf3, 0xf2
        int vvvv;            // un-inverted, 5 bits with EVEX.V'
        boolean vexW;
        int ll;              // VEX.L or EVEX.L'L
        int rHigh, xHigh;    // EVEX.R' and EVEX.X: bit 4 of the reg and r/m vector registers
        int aaa;
        boolean zeroing, bcast;
        int vl = 16;         // vector length in bytes after the entry is known
        int is4 = -1;        // the imm8 that carries a register in its high nibble, once read
        int broadcastN, rounding = -1;

        Run(ByteSource src, long address, Mode mode) {
            this.src = src;
            this.address = address;
            this.m64 = mode == Mode.BITS64;
        }

        int peek() { return peekAt(len); }

        int peekAt(int at) {
            if (at >= MAX_LENGTH) throw fail("longer than 15 bytes");
            try {
                return src.byteAt(address + at) & 0xff;
            } catch (IndexOutOfBoundsException e) {
                throw fail("truncated");
            }
        }

        int next() {
            int b = peek();
            buf[len++] = (byte) b;
            return b;
        }

        long nextLE(int n) {
            long v = 0;
            for (int i = 0; i < n; i++) v |= (long) next() << (8 * i);
            return v;
        }

        long nextSigned(int n) {
            long v = nextLE(n);
            int shift = 64 - 8 * n;
            return v << shift >> shift;
        }

        DecodeException fail(String reason) {
            return new DecodeException(address, Arrays.copyOf(buf, len), reason);
        }

        boolean has(int bit) { return (prefixes & bit) != 0; }

        Instruction decode() {
            readPrefixes();
            if (m64) prefixes |= Prefixes.MODE64;
            int b = next();
            boolean now3d = false;
            if (isVexStart(b)) {
                readVex(b);
                opcode = next();
            } else if (isXopStart(b)) {
                readXop();
                opcode = next();
            } else {
                if (b == 0x0f) {
                    map = 1;
                    b = next();
                    if (b == 0x38) { map = 2; b = next(); }
                    else if (b == 0x3a) { map = 3; b = next(); }
                }
                opcode = b;
                now3d = map == 1 && opcode == 0x0f;
            }
            OpcodeMap om = OpcodeMap.get();
            List<OpcodeEntry> cands = now3d ? om.candidates(enc, OpcodeMap.MAP_3DNOW, 0) : om.candidates(enc, map, opcode);
            if (enc == Encoding.LEGACY && map == 0 && opcode == 0x90 && ((rex & 1) != 0 || (lastRep != 0xf3 && has(Prefixes.OPSIZE))))
                cands = om.candidates(enc, 0, 0x91);     // xchg %r8,%rax / xchg %ax,%ax rather than nop
            boolean needModrm = now3d || (enc != Encoding.LEGACY && !(enc == Encoding.VEX && map == 1 && opcode == 0x77));
            boolean any = now3d;
            for (OpcodeEntry e : cands) {
                if (!e.validIn(m64 ? Mode.BITS64 : Mode.BITS32)) continue;
                any = true;
                needModrm |= e.hasModrm();
            }
            if (!any) throw fail("invalid opcode");
            if (needModrm) modrm = next();
            Operand.Mem mem = null;
            if (now3d) {   // 0F 0F ModRM [SIB] [disp] suffix: the suffix byte names the operation
                if ((modrm >> 6) != 3) mem = memory(1);
                cands = om.candidates(enc, OpcodeMap.MAP_3DNOW, next());
            }
            entry = select(cands);
            if (entry == null || entry.mnemonic() == null) throw fail("invalid opcode");
            if (enc == Encoding.LEGACY && has(Prefixes.OPSIZE) && lastRep == 0 && entry.prefix() == 0)
                for (OpcodeEntry e : cands)   // 66 picked the plain column of a form that has prefix columns
                    if (e.prefix() != 0 && e.matchesModrm(modrm < 0 ? 0 : modrm)) { prefixes |= Prefixes.OPSIZE_USED; break; }
            checkVex();
            sizes();
            if (entry.has(OpcodeEntry.NORIP) && (m64 && (modrm & 0xc7) == 0x05 || addrSize == 2))
                throw fail("RIP-relative or 16-bit addressing not allowed");
            List<OperandSpec> specs = entry.operands();
            boolean regOnly = false;   // mov cr/dr: the register whatever mod says
            for (OperandSpec s : specs) regOnly |= s.kind() == OperandSpec.Kind.R;
            if (!now3d && entry.hasModrm() && modrm >= 0 && (modrm >> 6) != 3 && !regOnly) mem = memory(disp8Scale(specs));
            if (mem == null && bcast && enc == Encoding.EVEX) rounding();
            Operand[] arr = new Operand[specs.size()];
            for (int i = 0; i < arr.length; i++) arr[i] = operand(specs.get(i), mem);
            for (int i = 0; i < arr.length; i++) {
                if (arr[i] instanceof Operand.Rel r) {   // displacement read in place; target needs the final length
                    long t = address + len + r.target();
                    arr[i] = new Operand.Rel(m64 ? (opSize == 2 ? t & 0xffff : t) : opSize == 2 ? t & 0xffff : t & 0xffffffffL);
                }
            }
            if (entry.has(OpcodeEntry.DISTINCT)) distinct(arr);
            if (enc == Encoding.EVEX && aaa != 0 && arr.length > 0 && arr[0] instanceof Operand.Reg r0 && Regs.isGpr(r0.reg()))
                throw fail("EVEX masking of a general-register destination");
            if (enc == Encoding.EVEX && couldBeVex(arr)) prefixes |= Prefixes.EVEX_MARKED;
            finishRex();
            if (entry.has(OpcodeEntry.PVEX)) prefixes |= Prefixes.VEX_MARKED;
            boolean rip = mem != null && mem.ripRelative();
            Vex vex = enc == Encoding.LEGACY ? Vex.NONE : new Vex(vl, vexW, aaa, zeroing, broadcastN, rounding);
            return new Instruction(address, Arrays.copyOf(buf, len), entry.mnemonic(), effectiveSize(arr),
                    arr, prefixes, map, opcode, modrm, rip, entry.flow(), vex);
        }

        // ---- prefixes ------------------------------------------------------------------------------

        void readPrefixes() {
            while (true) {
                int b = peek();
                int bit = switch (b) {
                    case 0xf0 -> Prefixes.LOCK;
                    case 0xf2 -> Prefixes.REPNE;
                    case 0xf3 -> Prefixes.REP;
                    case 0x66 -> Prefixes.OPSIZE;
                    case 0x67 -> Prefixes.ADDRSIZE;
                    case 0x26 -> Prefixes.SEG_ES;
                    case 0x2e -> Prefixes.SEG_CS;
                    case 0x36 -> Prefixes.SEG_SS;
                    case 0x3e -> Prefixes.SEG_DS;
                    case 0x64 -> Prefixes.SEG_FS;
                    case 0x65 -> Prefixes.SEG_GS;
                    default -> 0;
                };
                if (bit != 0) {
                    next();
                    prefixes |= bit;
                    rex = 0;                                    // a REX before a legacy prefix is ignored
                    rexByte = false;
                    prefixes &= ~(Prefixes.REX | Prefixes.REX_W | Prefixes.REX_R | Prefixes.REX_X | Prefixes.REX_B);
                    if (b == 0xf2 || b == 0xf3) lastRep = b;
                    if (bit >= Prefixes.SEG_ES && bit <= Prefixes.SEG_GS) segment = Prefixes.segmentOf(bit);
                    continue;
                }
                if (m64 && (b & 0xf0) == 0x40) {
                    next();
                    rex = b;
                    rexByte = true;
                    prefixes &= ~(Prefixes.REX_W | Prefixes.REX_R | Prefixes.REX_X | Prefixes.REX_B);
                    prefixes |= Prefixes.REX;
                    if ((b & 8) != 0) prefixes |= Prefixes.REX_W;
                    if ((b & 4) != 0) prefixes |= Prefixes.REX_R;
                    if ((b & 2) != 0) prefixes |= Prefixes.REX_X;
                    if ((b & 1) != 0) prefixes |= Prefixes.REX_B;
                    continue;
                }
                return;
            }
        }

        // ---- the entry: mandatory-prefix column, ModRM form, W, length ----------------------------

        OpcodeEntry select(List<OpcodeEntry> cands) {
            // the mandatory-prefix column: VEX-like pp, else the last of F2/F3, else 66 (as the SDM's tables read);
            // a column's own entries come first, then the plain ones if they accept the column
            int col = enc != Encoding.LEGACY ? pp : lastRep != 0 ? lastRep : has(Prefixes.OPSIZE) ? 0x66 : 0;
            OpcodeEntry e = col == 0 ? null : pick(cands, col);
            if (e == null) e = pick(cands, 0);
            if (e == null && enc != Encoding.LEGACY) explainMiss(cands, col);
            if (e == null || e.mnemonic() == null) return e;
            if (enc == Encoding.LEGACY && e.prefix() != 0) {
                prefixes |= Prefixes.MANDATORY;
                if (e.prefix() == 0x66) prefixes &= ~Prefixes.OPSIZE;  // consumed
                else prefixes |= Prefixes.MANDATORY_REP;
            }
            return e;
        }

        /** The most specific entry of one prefix column (0: the plain entries, if they accept the current column). */
        OpcodeEntry pick(List<OpcodeEntry> cands, int col) {
            int m = modrm < 0 ? 0 : modrm;
            int actual = enc != Encoding.LEGACY ? pp : lastRep != 0 ? lastRep : has(Prefixes.OPSIZE) ? 0x66 : 0;
            Mode mode = m64 ? Mode.BITS64 : Mode.BITS32;
            for (OpcodeEntry e : cands) {
                boolean w = enc == Encoding.LEGACY ? (rex & 8) != 0 : vexW && (m64 || !e.has(OpcodeEntry.W64));
                if (e.prefix() != col || !e.validIn(mode) || !e.matchesModrm(m)) continue;
                if (col == 0 && actual != 0 && (enc != Encoding.LEGACY || e.has(OpcodeEntry.STRICT))) continue;
                if (e.has(OpcodeEntry.W0) && w || e.has(OpcodeEntry.W1) && !w) continue;
                if (enc != Encoding.LEGACY && !lengthFits(e)) continue;
                if (e.has(OpcodeEntry.RIPONLY) && !(m64 && (m & 0xc7) == 0x05)) continue;
                return e;
            }
            return null;
        }

        // ---- operand sizes and operands -------------------------------------------------------------

        void sizes() {
            boolean o16 = has(Prefixes.OPSIZE);
            boolean w = (rex & 8) != 0;
            if (enc != Encoding.LEGACY) {
                opSize = m64 && vexW ? 8 : 4;
                addrSize = m64 ? (has(Prefixes.ADDRSIZE) ? 4 : 8) : (has(Prefixes.ADDRSIZE) ? 2 : 4);
                return;
            }
            // near branches with an 8-bit displacement ignore 66 in 64-bit mode (objdump and Intel agree)
            boolean shortBranch = false;
            for (OperandSpec s : entry.operands()) shortBranch |= s.kind() == OperandSpec.Kind.J && s.size() == 'b';
            if (m64) {
                if (entry.has(OpcodeEntry.F64) || shortBranch) opSize = 8;
                else if (entry.has(OpcodeEntry.D64)) opSize = w || !o16 ? 8 : 2;   // REX.W beats 66
                else opSize = w ? 8 : o16 ? 2 : 4;
                addrSize = has(Prefixes.ADDRSIZE) ? 4 : 8;
            } else {
                opSize = o16 ? 2 : 4;
                addrSize = has(Prefixes.ADDRSIZE) ? 2 : 4;
            }
            if (entry.has(OpcodeEntry.WSIZE)) opSize = w ? 8 : 4;
            // which of 66 and REX.W the entry used (objdump names an unused one: data16, rex.W)
            boolean sized = entry.mnemonic().sizedName();
            boolean uses66 = sized || entry.has(OpcodeEntry.D64);
            boolean usesW = sized;
            for (OperandSpec s : entry.operands()) {
                if (s.kind() == OperandSpec.Kind.MV || s.kind() == OperandSpec.Kind.MH) continue;
                char c = s.size();
                uses66 |= c == 'v' || c == 'z' || c == 'n' || c == 'N' || c == 's' && !m64 || s.kind() == OperandSpec.Kind.IBS
                        || s.kind() == OperandSpec.Kind.SEG || s.kind() == OperandSpec.Kind.AP;
                usesW |= c == 'v' || c == 'y';
            }
            if (entry.has(OpcodeEntry.WSIZE) || m64 && shortBranch) uses66 = false;
            if (uses66 && o16 && opSize == 2) prefixes |= Prefixes.OPSIZE_USED;
            if (usesW && w && !entry.has(OpcodeEntry.D64) && !entry.has(OpcodeEntry.F64)) usedRex |= 8;
            if (entry.has(OpcodeEntry.W1) || entry.has(OpcodeEntry.WSIZE)) usedRex |= 8;
        }

        /** Bytes of a size letter at the current operand size and vector length (0: unsized). */
        int size(char c) {
            return switch (c) {
                case 'b' -> 1;
                case 'w' -> 2;
                case 'd' -> 4;
                case 'q' -> 8;
                case 'v' -> opSize;
                case 'z' -> opSize == 2 ? 2 : 4;
                case 'y' -> opSize == 8 ? 8 : 4;
                case 'r' -> m64 ? 8 : 4;
                case 'p' -> opSize + 2;
                case 'a' -> opSize * 2;
                case 't' -> 10;
                case 'o' -> 16;
                case 'Y' -> 32;
                case 'x' -> vl;
                case 'h' -> vl / 2;
                case 'f' -> vl / 4;
                case 'e' -> vl / 8;
                case 'm' -> vl == 16 ? 8 : vl;
                case 'n' -> opSize == 2 ? 14 : 28;
                case 's' -> m64 ? 10 : 6;
                case 'N' -> opSize == 2 ? 94 : 108;
                default -> 0;
            };
        }

        /** Width of a vector register named with a size letter: the vector length, half of it, or one xmm. */
        int vecWidth(char c) {
            return switch (c) {
                case 'x', 'm' -> vl;
                case 'h' -> Math.max(16, vl / 2);
                case 'Y' -> 32;
                default -> 16;
            };
        }

        Operand.Reg gpr(int reg, int size) {
            if (size == 1) {
                usedRex |= 0x10;
                if (rex == 0 && reg >= 4 && reg < 8) return new Operand.Reg(reg - 4, 1, true);
            }
            return new Operand.Reg(reg, size, false);
        }

        int regField() {
            if ((rex & 4) != 0) usedRex |= 4;
            return ((modrm >> 3) & 7) | ((rex & 4) << 1);
        }

        int rmField() {
            if ((rex & 1) != 0) usedRex |= 1;
            return (modrm & 7) | ((rex & 1) << 3);
        }

        Operand.Reg vector(int n, char size) {
            if (size == 'k') {
                if (n > 7) throw fail("no mask register k" + n);
                return new Operand.Reg(Regs.K0 + n, 8, false);
            }
            if (size == 'T') return new Operand.Reg(Regs.TMM0 + (n & 7), 1024, false);
            return new Operand.Reg(Regs.XMM0 + n, vecWidth(size), false);
        }

        Operand operand(OperandSpec s, Operand.Mem mem) {
            int size = size(s.size());
            boolean regForm = modrm >= 0 && ((modrm >> 6) == 3 || mem == null);
            switch (s.kind()) {
                case E, W, Q, TE:
                    if (!regForm) return withSize(mem, broadcast(size));
                    return switch (s.kind()) {
                        case E -> gpr(rmField(), size);
                        case Q -> new Operand.Reg(Regs.MM0 + (modrm & 7), 8, false);
                        case TE -> bound(rmField());
                        default -> vector(rmField() | xHigh, s.size());
                    };
                case M, MV, MH:
                    if (regForm) throw fail("register form of a memory-only operand");
                    return withSize(mem, broadcast(size));
                case U:
                    if (!regForm) throw fail("memory form of a register-only operand");
                    return vector(rmField() | xHigh, s.size());
                case N:
                    if (!regForm) throw fail("memory form of a register-only operand");
                    return new Operand.Reg(Regs.MM0 + (modrm & 7), 8, false);
                case R:   // mov to/from control registers: the register whatever mod says
                    return gpr(rmField(), size);
                case G: return gpr(regField(), size);
                case B: return gpr(m64 ? vvvv & 15 : vvvv & 7, size);
                case V: return vector(regField() | rHigh, s.size());
                case H: return vector(m64 ? vvvv : vvvv & 7, s.size());
                case L: {
                    if (is4 < 0) is4 = next();
                    return vector(m64 ? is4 >> 4 : (is4 >> 4) & 7, s.size());
                }
                case XMM0: return new Operand.Reg(Regs.XMM0, 16, false);
                case P: return new Operand.Reg(Regs.MM0 + ((modrm >> 3) & 7), 8, false);
                case TG: return bound(regField());
                case TR: return new Operand.Reg(Regs.TR0 + ((modrm >> 3) & 7), 4, false);
                case S: {
                    int r = (modrm >> 3) & 7;
                    if (r > 5) throw fail("no segment register " + r);
                    return new Operand.Reg(Regs.ES + r, 2, false);
                }
                case C: return new Operand.Reg(Regs.CR0 + regField(), size, false);
                case D: return new Operand.Reg(Regs.DR0 + regField(), size, false);
                case Z: {
                    if ((rex & 1) != 0) usedRex |= 1;
                    return gpr((opcode & 7) | ((rex & 1) << 3), size);
                }
                case ST: return new Operand.Reg(Regs.ST, 10, false);
                case STI: return new Operand.Reg(Regs.ST0 + (modrm & 7), 10, false);
                case FIXED: return gpr(s.fixedReg(), size);
                case SEG: return new Operand.Reg(s.fixedReg(), 2, false);
                case ONE: return new Operand.Imm(1, 1);
                case I: {
                    if (is4 >= 0 && s.size() == 'b') return new Operand.Imm(is4 & 0xf, 1);  // imm4 beside an is4 register
                    int n = s.size() == 'v' ? opSize : s.size() == 'z' ? (opSize == 2 ? 2 : 4) : size;
                    long v = s.size() == 'b' || s.size() == 'w' ? nextLE(n) : nextSigned(n);
                    return new Operand.Imm(v, s.size() == 'z' || s.size() == 'v' ? opSize : size);
                }
                case IBS: return new Operand.Imm(nextSigned(1), opSize);
                case J: {
                    int n = s.size() == 'b' ? 1 : opSize == 2 ? 2 : 4;
                    return new Operand.Rel(nextSigned(n));  // made absolute once the length is known
                }
                case O: {
                    long off = nextLE(addrSize);
                    return new Operand.Mem(-1, -1, 1, off, size, false, segmentFor());
                }
                case X: case Y: {
                    int seg = s.kind() == OperandSpec.Kind.Y ? 0 : segment >= 0 ? segment : 3;
                    int base = s.fixedReg() >= 0 ? s.fixedReg() : s.kind() == OperandSpec.Kind.X ? Regs.RSI : Regs.RDI;
                    return new Operand.Mem(base, -1, 1, 0, size, false, seg);
                }
                case AP: {
                    long off = nextLE(opSize == 2 ? 2 : 4);
                    long sel = nextLE(2);
                    return new Operand.Imm(sel << 32 | off, 6);
                }
                default: throw new IllegalStateException(s.toString());
            }
        }

        Operand.Reg bound(int n) {
            if (n > 3) throw fail("no bound register " + n);
            return new Operand.Reg(Regs.BND0 + n, 16, false);
        }

        Operand.Mem withSize(Operand.Mem m, int size) {
            int isz = m.indexSize();
            for (OperandSpec s : entry.operands()) {   // a VSIB index is as wide as the vector length, or half of it
                if (s.kind() == OperandSpec.Kind.MV) isz = vl;
                if (s.kind() == OperandSpec.Kind.MH) isz = Math.max(16, vl / 2);
            }
            return new Operand.Mem(m.base(), m.index(), m.scale(), m.disp(), size, m.ripRelative(), m.segment(), isz);
        }

        /** The segment override that stays on a memory operand: all in 32-bit mode, FS/GS in 64-bit mode. */
        int segmentFor() {
            if (segment < 0) return -1;
            return !m64 || segment >= 4 ? segment : -1;
        }

        // ---- ModRM memory operands ---------------------------------------------------------------------

        Operand.Mem memory(int scale8) {
            int mod = modrm >> 6, rm = modrm & 7;
            if (addrSize == 2) return memory16(mod, rm);
            int base, index = -1, scale = 1;
            boolean rip = false;
            long disp = 0;
            boolean vsib = false;
            if (entry != null)
                for (OperandSpec o : entry.operands()) vsib |= o.kind() == OperandSpec.Kind.MV || o.kind() == OperandSpec.Kind.MH;
            if ((vsib || entry != null && entry.has(OpcodeEntry.SIB)) && rm != 4) throw fail("memory operand needs a SIB byte");
            if (rm == 4) {
                int sib = next();
                scale = 1 << (sib >> 6);
                int idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
                if ((rex & 2) != 0) usedRex |= 2;
                if (vsib) index = Regs.XMM0 + (m64 ? idx | (vvvv & 16) : idx & 7);   // EVEX.V' extends a VSIB index
                else if (idx != 4) index = idx;
                int b = sib & 7;
                if (b == 5 && mod == 0) {
                    base = -1;
                    disp = nextSigned(4);
                } else {
                    if ((rex & 1) != 0) usedRex |= 1;
                    base = b | ((rex & 1) << 3);
                }
            } else if (rm == 5 && mod == 0) {
                base = -1;
                rip = m64;
                disp = nextSigned(4);
            } else {
                if ((rex & 1) != 0) usedRex |= 1;
                base = rm | ((rex & 1) << 3);
            }
            if (mod == 1) disp = nextSigned(1) * scale8;
            else if (mod == 2) disp = nextSigned(4);
            return new Operand.Mem(base, index, scale, disp, 0, rip, segmentFor());
        }

        private static final int[][] BASE16 = {{3, 6}, {3, 7}, {5, 6}, {5, 7}, {6, -1}, {7, -1}, {5, -1}, {3, -1}};

        Operand.Mem memory16(int mod, int rm) {
            long disp = 0;
            int base = BASE16[rm][0], index = BASE16[rm][1];
            if (mod == 0 && rm == 6) {
                base = -1;
                disp = nextSigned(2);
            } else if (mod == 1) disp = nextSigned(1);
            else if (mod == 2) disp = nextSigned(2);
            return new Operand.Mem(base, index, 1, disp, 0, false, segmentFor());
        }

        void finishRex() {
            if (!rexByte) return;
            if (enc != Encoding.LEGACY) {   // a REX byte before VEX/EVEX/XOP does nothing
                prefixes |= Prefixes.REX_UNUSED;
                return;
            }
            int bits = rex & 0xf;
            boolean unused = bits == 0 ? (usedRex & 0x10) == 0 : (bits & ~usedRex) != 0;
            if (unused) prefixes |= Prefixes.REX_UNUSED;
        }

        int effectiveSize(Operand[] ops) {
            for (Operand o : ops) {
                if (o instanceof Operand.Reg r && Regs.isGpr(r.reg())) return r.size();
                if (o instanceof Operand.Mem m && m.size() > 0 && m.size() <= 8) return m.size();
            }
            return opSize;
        }

        // ---- VEX / EVEX / XOP ---------------------------------------------------------------------

        /** A VEX/EVEX/XOP opcode that exists but not with these W / length bits: say which (fuzzing classifies by it). */
        void explainMiss(List<OpcodeEntry> cands, int col) {
            int m = modrm < 0 ? 0 : modrm;
            Mode mode = m64 ? Mode.BITS64 : Mode.BITS32;
            boolean w = vexW;
            boolean wMiss = false, lMiss = false, modMiss = false, ppMiss = false;
            for (OpcodeEntry e : cands) {
                if (!e.validIn(mode) || e.mnemonic() == null) continue;
                boolean wOk = !(e.has(OpcodeEntry.W0) && w || e.has(OpcodeEntry.W1) && !w);
                boolean lOk = lengthFits(e);
                boolean modOk = e.matchesModrm(m);
                boolean ppOk = e.prefix() == col;
                if (!ppOk && modOk && wOk && lOk) ppMiss = true;
                if (!ppOk) continue;
                if (!wOk && modOk) wMiss = true;
                if (!lOk && modOk) lMiss = true;
                if (wOk && lOk && !modOk && e.matchesModrm((m >> 6) == 3 ? m & 0x3f : m | 0xc0)) modMiss = true;
            }
            if (wMiss) throw fail(enc + ".W not allowed");
            if (lMiss) throw fail(enc + " vector length not allowed");
            if (modMiss) throw fail(enc + " " + ((m >> 6) == 3 ? "register" : "memory") + " form not allowed");
            if (ppMiss) throw fail(enc + ".pp not allowed");
        }

        /** VEX.L / EVEX.L'L is one the entry allows (an EVEX register form with rounding has no length). */
        boolean lengthFits(OpcodeEntry e) {
            if (e.has(OpcodeEntry.LIG)) return enc != Encoding.EVEX || ll < 3 || bcast && (modrm >> 6) == 3;
            if (enc == Encoding.EVEX && bcast && (modrm >> 6) == 3 && (e.has(OpcodeEntry.ER) || e.has(OpcodeEntry.SAE))) return true;
            return ll < 3 && (e.lengths() & (1 << ll)) != 0;
        }

        /**
         * objdump marks {evex} an EVEX encoding that used nothing only EVEX has (mask, broadcast, rounding, 512 bits,
         * registers 16-31) of an operation VEX encodes the same way at the same opcode.
         */
        boolean couldBeVex(Operand[] ops) {
            if (aaa != 0 || bcast || ll >= 2) return false;
            for (Operand o : ops) {
                if (o instanceof Operand.Reg r && r.reg() >= Regs.XMM0 + 16 && r.reg() < Regs.XMM0 + 32) return false;
                if (o instanceof Operand.Mem mm && mm.indexSize() > 0 && mm.index() >= Regs.XMM0 + 16) return false;
            }
            for (OpcodeEntry v : OpcodeMap.get().candidates(Encoding.VEX, map, opcode))
                if (v.mnemonic() == entry.mnemonic() && v.prefix() == entry.prefix() && sameShape(v.operands(), entry.operands()))
                    return !entry.has(OpcodeEntry.NOMARK) && !v.has(OpcodeEntry.PVEX);
            return false;
        }

        /** The same operand kinds, and mask registers in the same places (sizes may differ in spelling). */
        static boolean sameShape(List<OperandSpec> a, List<OperandSpec> b) {
            if (a.size() != b.size()) return false;
            for (int k = 0; k < a.size(); k++)
                if (a.get(k).kind() != b.get(k).kind() || (a.get(k).size() == 'k') != (b.get(k).size() == 'k')) return false;
            return true;
        }

        /** AMX dot products and gathers: the SDM makes equal register operands #UD. */
        void distinct(Operand[] ops) {
            int[] regs = new int[ops.length + 1];
            int n = 0;
            for (Operand o : ops) {
                if (o instanceof Operand.Reg r) regs[n++] = r.reg();
                if (o instanceof Operand.Mem m && m.indexSize() > 0) regs[n++] = m.index();
            }
            for (int a = 0; a < n; a++)
                for (int b = a + 1; b < n; b++)
                    if (regs[a] == regs[b]) throw fail("register operands must differ");
        }

        /** Under EVEX embedded broadcast the memory operand is one element, repeated N times. */
        int broadcast(int size) {
            if (enc != Encoding.EVEX || !bcast) return size;
            int el = broadcastElement();
            broadcastN = size / el;
            return el;
        }

        /** The element an entry broadcasts (its b2/b4/b8 flag), 0 when it has no embedded broadcast. */
        int broadcastElement() {
            return entry.has(OpcodeEntry.B2) ? 2 : entry.has(OpcodeEntry.B4) ? 4 : entry.has(OpcodeEntry.B8) ? 8 : 0;
        }

        /** EVEX compresses disp8 by the memory operand's size, or by the element size under broadcast (SDM 2.7.5). */
        int disp8Scale(List<OperandSpec> specs) {
            if (enc != Encoding.EVEX) return 1;
            if (bcast) return broadcastElement();
            if (entry.disp8N() != 0) return entry.disp8N();
            for (OperandSpec s : specs) {
                switch (s.kind()) {
                    case E, M, W, MV, MH -> {
                        int n = size(s.size());
                        return n == 0 ? 1 : n;
                    }
                    default -> { }
                }
            }
            return 1;
        }

        boolean isVexStart(int b) {
            if (b != 0xc4 && b != 0xc5 && b != 0x62) return false;
            if (m64) return true;
            return (peek() >> 6) == 3;   // in 32-bit mode les/lds/bound need a memory ModRM
        }

        /** 8F is XOP when its next byte's map field is 8 or more; with a smaller one it is pop Ev (reg 0). */
        boolean isXopStart(int b) {
            return b == 0x8f && (peek() & 0x1f) >= 8;
        }

        void readVex(int first) {
            int p0 = next();
            if (first == 0xc5) {
                enc = Encoding.VEX;
                prefixes |= Prefixes.VEX;
                map = 1;
                rex = 0x40 | ((~p0 >> 5) & 4);
                vexFields(p0);
                return;
            }
            int p1 = next();
            rex = 0x40 | ((~p0 >> 5) & 7) | ((p1 >> 4) & 8);
            vexW = (p1 & 0x80) != 0;
            if (first == 0xc4) {
                enc = Encoding.VEX;
                prefixes |= Prefixes.VEX;
                map = p0 & 0x1f;
                if (map < 1 || map > 3) throw fail("invalid VEX map " + map);
                vexFields(p1);
                return;
            }
            enc = Encoding.EVEX;
            prefixes |= Prefixes.EVEX;
            map = p0 & 7;
            if ((p0 & 8) != 0 || map == 0 || map == 4 || map == 7) throw fail("invalid EVEX map " + (p0 & 0xf));
            if ((p1 & 4) == 0) throw fail("EVEX bit 10 must be 1");
            int p2 = next();
            vvvv = ((~p1 >> 3) & 15) | ((~p2 & 8) << 1);
            pp = PP[p1 & 3];
            rHigh = (~p0 & 0x10);
            xHigh = (~p0 & 0x40) >> 2;
            zeroing = (p2 & 0x80) != 0;
            ll = (p2 >> 5) & 3;
            bcast = (p2 & 0x10) != 0;
            aaa = p2 & 7;
            if (!m64) { rex = 0x40 | (rex & 8); rHigh = 0; xHigh = 0; }
        }

        private static final int[] PP = {0, 0x66, 0xf3, 0xf2};

        /** The last VEX byte: W (3-byte form, already read) vvvv L pp. */
        void vexFields(int b) {
            vvvv = (~b >> 3) & 15;
            ll = (b >> 2) & 1;
            pp = PP[b & 3];
            if (!m64) rex = 0x40 | (rex & 8);
        }

        void readXop() {
            int p0 = next();
            int p1 = next();
            enc = Encoding.XOP;
            prefixes |= Prefixes.XOP;
            map = p0 & 0x1f;
            if (map < 8 || map > 10) throw fail("invalid XOP map " + map);
            rex = 0x40 | ((~p0 >> 5) & 7) | ((p1 >> 4) & 8);
            vexW = (p1 & 0x80) != 0;
            vexFields(p1);
        }

        /** The prefix's fields the selected entry refuses, and the vector length it decodes at. */
        void checkVex() {
            if (enc == Encoding.LEGACY) {
                vl = 16;
                return;
            }
            boolean usesVvvv = false;
            for (OperandSpec s : entry.operands())
                usesVvvv |= s.kind() == OperandSpec.Kind.H || s.kind() == OperandSpec.Kind.B;
            if (!usesVvvv && (vvvv & 15) != 0) throw fail("VEX.vvvv must be 1111");
            if (!m64 && usesVvvv && (vvvv & 16) != 0) throw fail("EVEX.V' must be 1 outside 64-bit mode");
            if (enc == Encoding.EVEX) {
                boolean regForm = (modrm >> 6) == 3;
                boolean roundingForm = bcast && regForm && (entry.has(OpcodeEntry.ER) || entry.has(OpcodeEntry.SAE));
                if (ll == 3 && !roundingForm) throw fail("EVEX.L'L 11 is reserved");
                if (zeroing && aaa == 0) throw fail("zeroing without a mask");
                if (aaa == 0 && entry.has(OpcodeEntry.KREQ)) throw fail("needs a mask register");
                if (aaa != 0 && entry.has(OpcodeEntry.NOMASK)) throw fail("masking not allowed");
                if (zeroing && entry.has(OpcodeEntry.NOZ)) throw fail("zeroing not allowed");
                if (bcast && regForm && !roundingForm) throw fail("EVEX.b on a register form without rounding");
                if (bcast && !regForm && broadcastElement() == 0) throw fail("EVEX.b: no embedded broadcast here");
                vl = roundingForm ? 64 : 16 << Math.min(ll, 2);
            } else {
                vl = 16 << ll;
            }
            if (entry.has(OpcodeEntry.LIG)) vl = 16;   // scalars: xmm whatever the length bits say
        }

        /** EVEX.b on a register form: static rounding (L'L is the mode) or suppress-all-exceptions. */
        void rounding() {
            rounding = entry.has(OpcodeEntry.ER) ? ll : Vex.SAE_ONLY;
        }
    }
}
