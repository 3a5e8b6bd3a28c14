package io.probesim.x86.decode;

import java.util.ArrayList;
import java.util.List;

/**
 * x86 decoder over the opcode map, in stages: legacy prefixes, REX (or VEX/EVEX, length only), opcode with the
 * 0F / 0F38 / 0F3A escapes, map lookup, ModRM, SIB, displacement, immediates.
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
        int rex;             // 0 or 0x40-0x4f
        int lastRep;         // 0, 0xf2 or 0xf3
        int segment = -1;    // last segment override 0..5
        int usedRex;         // REX bits that mattered; 0x10 = a byte register was named
        int opSize, addrSize;
        int map, opcode, modrm = -1, sib = -1;
        OpcodeEntry entry;

        Run(ByteSource src, long address, Mode mode) {
            this.src = src;
            this.address = address;
            this.m64 = mode == Mode.BITS64;
        }

        int peek() {
            if (len >= MAX_LENGTH) throw fail("longer than 15 bytes");
            try {
                return src.byteAt(address + len) & 0xff;
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
            return new DecodeException(address, java.util.Arrays.copyOf(buf, len), reason);
        }

        Instruction decode() {
            readPrefixes();
            int b = next();
            if (isVexStart(b)) return vex(b);
            map = 0;
            if (b == 0x0f) {
                map = 1;
                b = next();
                if (b == 0x38) { map = 2; b = next(); }
                else if (b == 0x3a) { map = 3; b = next(); }
            }
            opcode = b;
            if (m64) prefixes |= Prefixes.MODE64;
            List<OpcodeEntry> cands = OpcodeMap.get().candidates(map, opcode);
            if (map == 0 && opcode == 0x90 && ((rex & 1) != 0 || (lastRep != 0xf3 && has(Prefixes.OPSIZE))))
                cands = OpcodeMap.get().candidates(0, 0x91);     // xchg %r8,%rax / xchg %ax,%ax rather than nop
            boolean needModrm = false;
            boolean any = false;
            for (OpcodeEntry e : cands) {
                if (!e.validIn(m64 ? Mode.BITS64 : Mode.BITS32)) continue;
                any = true;
                needModrm |= e.hasModrm();
            }
            if (!any) throw fail("invalid opcode");
            if (needModrm) modrm = next();
            entry = select(cands);
            if (entry == null || entry.mnemonic() == null) throw fail("invalid opcode");
            sizes();
            List<Operand> ops = new ArrayList<>(3);
            Operand.Mem mem = null;
            boolean regOnly = entry.operands().stream().anyMatch(o -> o.kind() == OperandSpec.Kind.R);  // mov cr/dr: mod ignored
            if (entry.hasModrm() && modrm >= 0 && (modrm >> 6) != 3 && !regOnly) mem = memory();
            for (OperandSpec s : entry.operands()) ops.add(operand(s, mem));
            Operand[] arr = ops.toArray(new Operand[0]);
            for (int i = 0; i < arr.length; i++) {
                if (arr[i] instanceof Operand.Rel r) {   // displacement read in place; target needs the final length
                    long t = address + len + r.target();
                    arr[i] = new Operand.Rel(m64 ? (opSize == 2 ? t & 0xffff : t) : opSize == 2 ? t & 0xffff : t & 0xffffffffL);
                }
            }
            finishRex();
            boolean rip = mem != null && mem.ripRelative();
            return new Instruction(address, java.util.Arrays.copyOf(buf, len), entry.mnemonic(), effectiveSize(arr),
                    arr, prefixes, map, opcode, modrm, rip, entry.flow());
        }

        boolean has(int bit) { return (prefixes & bit) != 0; }

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
                    prefixes &= ~(Prefixes.REX | Prefixes.REX_W | Prefixes.REX_R | Prefixes.REX_X | Prefixes.REX_B);
                    if (b == 0xf2 || b == 0xf3) lastRep = b;
                    if (bit >= Prefixes.SEG_ES && bit <= Prefixes.SEG_GS) segment = Prefixes.segmentOf(bit);
                    continue;
                }
                if (m64 && (b & 0xf0) == 0x40) {
                    next();
                    rex = b;
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

        OpcodeEntry select(List<OpcodeEntry> cands) {
            int m = modrm < 0 ? 0 : modrm;
            int mand = has(Prefixes.OPSIZE) ? 0x66 : 0;
            for (OpcodeEntry e : cands) {
                if (!e.validIn(m64 ? Mode.BITS64 : Mode.BITS32)) continue;
                int p = e.prefix() == 0 ? 0 : e.prefix() == 0x66 ? mand : lastRep;
                if (e.matches(m, p)) {
                    if (e.prefix() != 0) {
                        prefixes |= Prefixes.MANDATORY;
                        if (e.prefix() == 0x66) prefixes &= ~Prefixes.OPSIZE;  // consumed
                    }
                    return e;
                }
            }
            return null;
        }

        void sizes() {
            boolean o16 = has(Prefixes.OPSIZE);
            boolean w = (rex & 8) != 0;
            if (m64) {
                if (entry.has(OpcodeEntry.F64)) opSize = 8;
                else if (entry.has(OpcodeEntry.D64)) opSize = o16 ? 2 : 8;
                else opSize = w ? 8 : o16 ? 2 : 4;
                addrSize = has(Prefixes.ADDRSIZE) ? 4 : 8;
            } else {
                opSize = o16 ? 2 : 4;
                addrSize = has(Prefixes.ADDRSIZE) ? 2 : 4;
            }
            boolean vForm = entry.mnemonic() != null && entry.mnemonic().sizedName()
                    || entry.operands().stream().anyMatch(s -> "vzy".indexOf(s.size()) >= 0);
            if (vForm) {
                if (o16) prefixes |= Prefixes.OPSIZE_USED;
                if (w && !entry.has(OpcodeEntry.D64) && !entry.has(OpcodeEntry.F64)) usedRex |= 8;
            }
        }

        int size(char c) {
            return switch (c) {
                case 'b' -> 1;
                case 'w' -> 2;
                case 'd' -> 4;
                case 'q' -> 8;
                case 'v' -> opSize;
                case 'z' -> opSize == 2 ? 2 : 4;
                case 'y' -> opSize == 8 ? 8 : 4;
                case 'x' -> 16;
                case 'r' -> m64 ? 8 : 4;
                case 'p' -> opSize + 2;
                case 'a' -> opSize * 2;
                default -> 0;
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

        Operand operand(OperandSpec s, Operand.Mem mem) {
            int size = size(s.size());
            boolean regForm = modrm >= 0 && ((modrm >> 6) == 3 || mem == null);
            switch (s.kind()) {
                case E, W, Q:
                    if (!regForm) return withSize(mem, size);
                    if (s.kind() == OperandSpec.Kind.E) return gpr(rmField(), size);
                    if (s.kind() == OperandSpec.Kind.Q) return new Operand.Reg(Regs.MM0 + (modrm & 7), 8, false);
                    return new Operand.Reg(Regs.XMM0 + rmField(), 16, false);
                case M:
                    if (regForm) throw fail("register form of a memory-only operand");
                    return withSize(mem, size);
                case R:   // mov to/from control registers: the register whatever mod says
                    return gpr(rmField(), size);
                case G: return gpr(regField(), size);
                case V: return new Operand.Reg(Regs.XMM0 + regField(), 16, false);
                case P: return new Operand.Reg(Regs.MM0 + ((modrm >> 3) & 7), 8, false);
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
                case FIXED: return gpr(s.fixedReg(), size);
                case SEG: return new Operand.Reg(s.fixedReg(), 2, false);
                case ONE: return new Operand.Imm(1, 1);
                case I: {
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
                    return new Operand.Mem(s.kind() == OperandSpec.Kind.X ? Regs.RSI : Regs.RDI, -1, 1, 0, size, false, seg);
                }
                case AP: {
                    long off = nextLE(opSize == 2 ? 2 : 4);
                    long sel = nextLE(2);
                    return new Operand.Imm(sel << 32 | off, 6);
                }
                default: throw new IllegalStateException(s.toString());
            }
        }

        static Operand.Mem withSize(Operand.Mem m, int size) {
            return new Operand.Mem(m.base(), m.index(), m.scale(), m.disp(), size, m.ripRelative(), m.segment());
        }

        /** The segment override that stays on a memory operand: all in 32-bit mode, FS/GS in 64-bit mode. */
        int segmentFor() {
            if (segment < 0) return -1;
            return !m64 || segment >= 4 ? segment : -1;
        }

        Operand.Mem memory() {
            int mod = modrm >> 6, rm = modrm & 7;
            if (addrSize == 2) return memory16(mod, rm);
            int base, index = -1, scale = 1;
            boolean rip = false;
            long disp = 0;
            if (rm == 4) {
                sib = next();
                scale = 1 << (sib >> 6);
                int idx = ((sib >> 3) & 7) | ((rex & 2) << 2);
                if ((rex & 2) != 0) usedRex |= 2;
                if (idx != 4) index = idx;
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
            if (mod == 1) disp = nextSigned(1);
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
            if (rex == 0) return;
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

        // ---- VEX / EVEX: decoded for length only ----------------------------------------------

        boolean isVexStart(int b) {
            if (b != 0xc4 && b != 0xc5 && b != 0x62) return false;
            if (m64) return true;
            return (peek() >> 6) == 3;   // in 32-bit mode les/lds/bound need a memory ModRM
        }

        Instruction vex(int first) {
            int vmap;
            if (first == 0xc5) {
                next();
                vmap = 1;
                prefixes |= Prefixes.VEX;
            } else if (first == 0xc4) {
                vmap = next() & 0x1f;
                next();
                prefixes |= Prefixes.VEX;
            } else {
                vmap = next() & 7;
                next();
                next();
                prefixes |= Prefixes.EVEX;
            }
            if (vmap < 1 || vmap > 7 || vmap == 4) throw fail("invalid VEX/EVEX map " + vmap);
            if (m64) prefixes |= Prefixes.MODE64;
            map = Math.min(vmap, 3);
            opcode = next();
            addrSize = m64 ? (has(Prefixes.ADDRSIZE) ? 4 : 8) : (has(Prefixes.ADDRSIZE) ? 2 : 4);
            boolean noModrm = first != 0x62 && vmap == 1 && opcode == 0x77;   // vzeroupper / vzeroall
            if (!noModrm) {
                modrm = next();
                if ((modrm >> 6) != 3) memory();
            }
            boolean imm = vmap == 3 || (vmap == 1 && (opcode >= 0x70 && opcode <= 0x73 || opcode == 0xc2
                    || opcode == 0xc4 || opcode == 0xc5 || opcode == 0xc6));
            if (imm) next();
            return new Instruction(address, java.util.Arrays.copyOf(buf, len), Mnemonic.UNNAMED, 0, new Operand[0],
                    prefixes, map, opcode, modrm, false, FlowKind.NONE);
        }
    }
}
