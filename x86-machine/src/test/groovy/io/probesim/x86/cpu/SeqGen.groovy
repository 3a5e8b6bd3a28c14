package io.probesim.x86.cpu

import groovy.transform.CompileStatic

/**
 * Deterministic generator of random straight-line instruction sequences (AT&T text for GNU as) with
 * their initial state, for {@link SequenceSpec}. Sequence i of a run is generated from its own seed, so
 * one failing sequence can be regenerated alone.
 *
 * The address layout is shared with the host runner (src/test/resources/cpu/seqrunner.c): code at
 * CODE, a 0x300-byte window at WIN (data at 0x00..0xff, stack at 0x100..0x2ff, rsp starting at
 * 0x200) that ends a page followed by an unmapped one. Memory operands stay in the data part: a
 * reserved base register holds WIN+0x80 and an optional reserved index register a known value, so
 * every base/index/scale/disp form (and, without registers, absolute, moffs, rip- and eip-relative
 * forms; in 32-bit mode also 16-bit addressing, the window being below 64 KiB; segment overrides,
 * with FS and GS bases in 64-bit mode) is computed to land in it. The reserved registers
 * and rsp are never written except by compounds that restore them (leave, push/pop pairs). Stack use is
 * bounded by push and pop budgets counted over every item, whichever branches are taken.
 *
 * An item is one instruction or a compound that only makes sense whole (a guarded divide, a string
 * instruction with its pointers and count, call/ret, a frame with leave, popf of a safe value, a short
 * backward loop). Forward jcc/jmp (direct and indirect)/jrcxz/loop skip the next one to three items.
 * One sequence in 40 ends with an instruction that traps or faults (int3, ud2, hlt/cli/sti at CPL 3,
 * an unmapped or non-canonical access, a rep stos running off the window into the unmapped page).
 */
@CompileStatic
class SeqGen {
    static final long CODE = 0x20000000L
    static final long PAGE = 0x8000L
    static final long WIN = 0x8d00L
    static final int WIN_LEN = 0x300
    static final long FS_BASE = 0x100L, GS_BASE = 0x200L
    static final int DATA_LEN = 0x100
    static final long BASE_VALUE = WIN + 0x80
    static final long STACK_START = WIN + 0x200
    static final int BUDGET = 0x78                // bytes that all pushes together (and all pops) may move rsp

    static final String[] Q = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as String[]
    static final String[] L = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi', 'r8d', 'r9d', 'r10d', 'r11d', 'r12d', 'r13d', 'r14d', 'r15d'] as String[]
    static final String[] W = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di', 'r8w', 'r9w', 'r10w', 'r11w', 'r12w', 'r13w', 'r14w', 'r15w'] as String[]
    static final String[] B = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil', 'r8b', 'r9b', 'r10b', 'r11b', 'r12b', 'r13b', 'r14b', 'r15b'] as String[]
    static final String[] H = ['ah', 'ch', 'dh', 'bh'] as String[]
    static final String[] CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'] as String[]
    static final String[] ALU = ['add', 'adc', 'sub', 'sbb', 'cmp', 'and', 'or', 'xor', 'test'] as String[]
    static final String[] SHIFTS = ['shl', 'sal', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'] as String[]
    static final long[] EDGES = [0L, 1L, 2L, 3L, -1L, -2L, 0x7fL, 0x80L, 0xffL, 0x100L, 0x7fffL, 0x8000L, 0xffffL, 0x10000L,
                                 0x7fffffffL, 0x80000000L, 0xffffffffL, 0x100000000L, Long.MAX_VALUE, Long.MIN_VALUE,
                                 0x5555555555555555L, 0xaaaaaaaaaaaaaaaaL] as long[]

    /** One generated sequence: its text, its inputs, and (after assembly) its bytes. */
    static class Sequence {
        int index
        long seed
        int bits
        List<String> lines = []
        long[] regs
        long flags
        long fillSeed
        int fillKind
        byte[] code

        String source() { lines.join('\n') }
    }

    /** A register operand: its number, size and whether it is ah/ch/dh/bh. */
    static class Reg {
        int num, size
        boolean high
        String name
        String toString() { '%' + name }
    }

    final int bits
    final boolean b64
    final int nreg
    final int[] sizes

    // per-sequence state
    private Random rnd
    private List<String> out
    private String seqLabel
    private int base, indexReg
    private long indexValue
    private boolean indexSmall
    private final boolean[] reserved
    private int pushLeft, popLeft
    private int labelCount
    private final List<String> pendingLabel = []
    private final List<Integer> pendingCount = []
    private boolean stringOk
    private boolean inBody                          // generating a loop body: no jumps, no stack, rcx reserved

    SeqGen(int bits) {
        this.bits = bits
        b64 = bits == 64
        nreg = b64 ? 16 : 8
        sizes = b64 ? [1, 2, 4, 8] as int[] : [1, 2, 4] as int[]
        reserved = new boolean[16]
    }

    Sequence generate(int index, long seed) {
        rnd = new Random(seed)
        def s = new Sequence(index: index, seed: seed, bits: bits)
        out = s.lines
        seqLabel = "s${index}".toString()
        labelCount = 0
        pendingLabel.clear()
        pendingCount.clear()
        Arrays.fill(reserved, false)
        reserved[4] = true
        chooseAddressing()
        pushLeft = BUDGET
        popLeft = BUDGET
        inBody = false

        s.regs = new long[nreg]
        for (int r = 0; r < nreg; r++) s.regs[r] = value()
        s.regs[4] = STACK_START
        s.regs[base] = BASE_VALUE
        if (indexReg >= 0) s.regs[indexReg] = indexValue
        if (!b64) for (int r = 0; r < nreg; r++) s.regs[r] &= 0xffffffffL
        s.flags = 0x202L | (rnd.nextLong() & Flags.STATUS) | (rnd.nextInt(4) == 0 ? Flags.DF : 0L)
        s.fillSeed = rnd.nextLong()
        int k = rnd.nextInt(10)
        s.fillKind = k < 7 ? 0 : k < 9 ? 2 : 1

        int n = 3 + rnd.nextInt(10)
        for (int i = 0; i < n; i++) {
            item(n - i - 1)
            tickLabels()
        }
        if (rnd.nextInt(40) == 0) terminal()
        for (String l : pendingLabel) out << (l + ':')
        pendingLabel.clear()
        pendingCount.clear()
        s
    }

    private void chooseAddressing() {
        int[] baseChoices = b64 ? [3, 5, 8, 9, 10, 11, 12, 13, 14, 15] as int[] : [3, 5, 6, 7] as int[]
        base = baseChoices[rnd.nextInt(baseChoices.length)]
        reserved[base] = true
        indexReg = -1
        if (rnd.nextInt(4) != 0) {
            int i
            do { i = baseChoices[rnd.nextInt(baseChoices.length)] } while (i == base)
            indexReg = i
            reserved[i] = true
            indexSmall = b64 ? rnd.nextInt(3) != 0 : rnd.nextBoolean()
            indexValue = indexSmall ? rnd.nextInt(24) - 8 : (b64 ? rnd.nextLong() : rnd.nextLong() & 0xffffffffL)
        }
        stringOk = !reserved[6] && !reserved[7]
    }

    private long value() {
        int c = rnd.nextInt(10)
        if (c < 4) return rnd.nextLong()
        if (c < 6) return EDGES[rnd.nextInt(EDGES.length)]
        if (c == 6) return rnd.nextLong() & 0xffffffffL
        if (c == 7) return rnd.nextInt(256)
        if (c == 8) return -(long) rnd.nextInt(256)
        return (long) rnd.nextInt()
    }

    // ------------------------------------------------------------------ labels and emission

    private void emit(CharSequence s) { out << ('  ' + s.toString()) }

    private String newLabel() { ".L${seqLabel}_${labelCount++}".toString() }

    /** A label placed after the next `items` items (or at the end). */
    private String forwardLabel(int items) {
        String l = newLabel()
        pendingLabel << l
        pendingCount << items
        l
    }

    private void tickLabels() {
        for (int i = pendingCount.size() - 1; i >= 0; i--) {
            int c = pendingCount[i] - 1
            if (c <= 0) {
                out << (pendingLabel[i] + ':')
                pendingLabel.remove(i)
                pendingCount.remove(i)
            } else {
                pendingCount[i] = c
            }
        }
    }

    // ------------------------------------------------------------------ operands

    private int size() { sizes[rnd.nextInt(sizes.length)] }

    private static String sfx(int size) { size == 1 ? 'b' : size == 2 ? 'w' : size == 4 ? 'l' : 'q' }

    private static String name(int num, int size) {
        size == 1 ? B[num] : size == 2 ? W[num] : size == 4 ? L[num] : Q[num]
    }

    /** In 64-bit mode an instruction with ah..bh may not have a REX prefix: such instructions are built "noRex". */
    private boolean pickNoRex(int size) { b64 && size == 1 && rnd.nextInt(4) == 0 }

    private Reg reg(int size, boolean write, boolean noRex) {
        for (int tries = 0; ; tries++) {
            int limit = b64 && !noRex ? 16 : 8
            int n = rnd.nextInt(limit)
            boolean high = size == 1 && n >= 4 && (!b64 || noRex)
            int full = high ? n - 4 : n
            if (write && reserved[full]) continue
            if (tries > 1000) throw new IllegalStateException('no register')
            def r = new Reg(num: full, size: size, high: high)
            r.name = high ? H[full] : name(full, size)
            return r
        }
    }

    private Reg regNum(int num, int size) {
        def r = new Reg(num: num, size: size, high: false)
        r.name = name(num, size)
        r
    }

    private String imm(int size) {
        int c = rnd.nextInt(4)
        long v = c == 0 ? rnd.nextInt(256) - 128 : c == 1 ? EDGES[rnd.nextInt(EDGES.length)] : rnd.nextLong()
        if (size == 1) v = (byte) v
        else if (size == 2) v = (short) v
        else v = (int) v                                 // 64-bit ALU immediates are sign-extended imm32
        '$' + v
    }

    private String hex(long v) { '0x' + Long.toHexString(v) }

    private static String signed32(long v) { Integer.toString((int) v) }

    private static final String[] SEG64 = ['%fs:', '%gs:', '%es:', '%ss:', '%cs:', '%ds:'] as String[]
    private static final String[] SEG32 = ['%es:', '%ss:', '%ds:'] as String[]   // fs/gs are null selectors in the runner
    private static final String[] R16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'] as String[]

    /**
     * Prefix (e.g. "{disp32} " or "addr16 ") and text of a memory operand of `size` bytes inside the
     * data area: the displacement is computed from the reserved registers' values (modulo 2^32 with
     * addr32 and in 32-bit mode, modulo 2^16 with 16-bit addressing) and the segment base.
     */
    private String[] mem(int size, boolean noRex) {
        int off = rnd.nextInt(DATA_LEN - size + 1)
        String seg = ''
        long segBase = 0
        if (rnd.nextInt(8) == 0) {
            String[] segs = b64 ? SEG64 : SEG32
            seg = segs[rnd.nextInt(segs.length)]
            segBase = seg == '%fs:' ? FS_BASE : seg == '%gs:' ? GS_BASE : 0L
        }
        long target = WIN + off - segBase                 // the address before the segment base is added
        boolean baseOk = !noRex || base < 8
        boolean indexOk = indexReg >= 0 && (!noRex || indexReg < 8)
        for (;;) {
            int form = rnd.nextInt(10)
            int sc = 1 << rnd.nextInt(4)
            if (form <= 1) {                                // disp(base)
                if (!baseOk) continue
                long d = target - BASE_VALUE
                String p = rnd.nextInt(6) == 0 ? '{disp32} ' : ''
                return [p, seg + (d == 0 && rnd.nextBoolean() ? '' : Long.toString(d)) + '(%' + baseName() + ')'] as String[]
            }
            if (form <= 3) {                                // disp(base,index,scale)
                if (!baseOk || !indexOk || (b64 && !indexSmall)) continue
                long d = target - BASE_VALUE - indexValue * sc
                return ['', seg + signed32(d) + '(%' + baseName() + ',%' + indexName() + ',' + sc + ')'] as String[]
            }
            if (form == 4) {                                // disp32(,index,scale)
                if (!indexOk || (b64 && !indexSmall)) continue
                return ['', seg + signed32(target - indexValue * sc) + '(,%' + indexName() + ',' + sc + ')'] as String[]
            }
            if (form == 5) return ['', seg + hex(target)] as String[]            // absolute disp32
            if (!b64) {                                     // 16-bit addressing (67): bx/bp + si/di + disp16
                if (form == 6) return ['addr16 ', seg + hex(target)] as String[]
                if (form == 7) {
                    long d = (target - BASE_VALUE) & 0xffff
                    return ['', seg + signed16(d) + '(%' + R16[base] + ')'] as String[]
                }
                if (indexReg < 0 || (base < 6) == (indexReg < 6)) continue      // one of bx/bp and one of si/di
                long d = (target - BASE_VALUE - indexValue) & 0xffff
                int b16 = base < 6 ? base : indexReg, i16 = base < 6 ? indexReg : base
                return ['', seg + signed16(d) + '(%' + R16[b16] + ',%' + R16[i16] + ')'] as String[]
            }
            if (form == 6) return ['', seg + seqLabel + '+' + hex(target - CODE) + '(%rip)'] as String[]
            if (form == 7) return ['', seg + seqLabel + '+' + hex(target - CODE) + '(%eip)'] as String[]
            if (!baseOk) continue
            // addr32: the address is computed in 32 bits, the index register's upper half is ignored
            if (indexOk && rnd.nextBoolean()) {
                long d = (target - BASE_VALUE - indexValue * sc) & 0xffffffffL
                return ['', seg + signed32(d) + '(%' + L[base] + ',%' + L[indexReg] + ',' + sc + ')'] as String[]
            }
            return ['', seg + Long.toString(target - BASE_VALUE) + '(%' + L[base] + ')'] as String[]
        }
    }

    private static String signed16(long v) { Integer.toString((short) v) }

    private String baseName() { b64 ? Q[base] : L[base] }

    private String indexName() { b64 ? Q[indexReg] : L[indexReg] }

    /** A register or memory operand for a destination (write) or source. [prefix, text, isMem] */
    private String[] rm(int size, boolean write, boolean noRex, int memPercent = 40) {
        if (rnd.nextInt(100) < memPercent) {
            String[] m = mem(size, noRex)
            return [m[0], m[1], 'm'] as String[]
        }
        return ['', reg(size, write, noRex).toString(), 'r'] as String[]
    }

    private String lock(String[] dst) { dst[2] == 'm' && rnd.nextInt(4) == 0 ? 'lock ' : '' }

    // ------------------------------------------------------------------ items

    // item kinds, their weights, and which may form a loop body (no branches, no stack, rcx untouched)
    private static final int ALU_K = 0, UNARY = 1, SHIFT = 2, SHD = 3, MUL = 4, DIV = 5, MOV = 6, MOVX_K = 7, LEA = 8,
                             SETCC = 9, CMOV = 10, BT = 11, BSF = 12, PUSH = 13, PUSHF = 14, XCHG = 15, CMPXCHG = 16,
                             XADD = 17, BSWAP = 18, CBW = 19, STRING = 20, JCC = 21, JMP = 22, LOOPF = 23, LOOPB = 24,
                             CALL = 25, LEAVE = 26, STACK = 27, NOP = 28, FLAG = 29, MOFFS = 30, INDIRECT = 31, SMC = 32
    private static final int[] WEIGHTS = [14, 5, 8, 3, 4, 3, 9, 4, 5, 3, 4, 4, 2, 5, 2, 3, 3, 2, 1, 2, 4, 4, 1, 1, 1, 2, 1, 3, 2, 2, 1, 2, 1] as int[]
    private static final int TOTAL = WEIGHTS.sum() as int
    private static final boolean[] BODY = new boolean[WEIGHTS.length]
    static {
        for (int k : [ALU_K, UNARY, SHIFT, SHD, MUL, MOV, MOVX_K, LEA, SETCC, CMOV, BT, BSF, XCHG, XADD, BSWAP, CBW, NOP, FLAG]) BODY[k] = true
    }
    private static final String[] FLAG_OPS = ['clc', 'stc', 'cmc', 'cld', 'std'] as String[]

    private int pickKind() {
        for (;;) {
            int x = rnd.nextInt(TOTAL)
            int k = 0
            while (x >= WEIGHTS[k]) { x -= WEIGHTS[k]; k++ }
            if (inBody && !BODY[k]) continue
            if (k == STRING && !stringOk) continue
            return k
        }
    }

    /** Emits one item; `after` items follow it in the sequence. */
    private void item(int after) {
        int k = pickKind()
        if (k == ALU_K) alu()
        else if (k == UNARY) unary()
        else if (k == SHIFT) shift()
        else if (k == SHD) shd()
        else if (k == MUL) mul()
        else if (k == DIV) div()
        else if (k == MOV) mov()
        else if (k == MOVX_K) movx()
        else if (k == LEA) lea()
        else if (k == SETCC) setcc()
        else if (k == CMOV) cmov()
        else if (k == BT) bt()
        else if (k == BSF) bsf()
        else if (k == PUSH) pushPop()
        else if (k == PUSHF) pushf()
        else if (k == XCHG) xchg()
        else if (k == CMPXCHG) cmpxchg()
        else if (k == XADD) xadd()
        else if (k == BSWAP) bswap()
        else if (k == CBW) cbw()
        else if (k == STRING) string()
        else if (k == JCC) jcc(after)
        else if (k == JMP) jmp(after)
        else if (k == LOOPF) loopForward()
        else if (k == LOOPB) loopBack()
        else if (k == CALL) call()
        else if (k == LEAVE) leave()
        else if (k == STACK) stack()
        else if (k == NOP) nop()
        else if (k == FLAG) emit(FLAG_OPS[rnd.nextInt(FLAG_OPS.length)])
        else if (k == MOFFS) moffs()
        else if (k == INDIRECT) indirect(after)
        else selfModify()
    }

    private void alu() {
        String op = ALU[rnd.nextInt(ALU.length)]
        int s = size()
        boolean nr = pickNoRex(s)
        boolean store = op != 'cmp' && op != 'test'
        int form = rnd.nextInt(6)
        if (form == 0) {                                // reg, reg
            Reg src = reg(s, false, nr), dst = reg(s, store, nr)
            emit("$op${sfx(s)} $src, $dst")
        } else if (form == 1 && op != 'test') {         // mem, reg
            String[] m = mem(s, nr)
            emit("${m[0]}$op${sfx(s)} ${m[1]}, ${reg(s, store, nr)}")
        } else if (form <= 2) {                         // reg, mem
            String[] m = mem(s, nr)
            String lk = store && rnd.nextInt(4) == 0 ? 'lock ' : ''
            emit("${m[0]}$lk$op${sfx(s)} ${reg(s, false, nr)}, ${m[1]}")
        } else if (form == 3) {                         // imm, reg (incl. the accumulator short forms)
            Reg dst = rnd.nextInt(3) == 0 ? regNum(0, s) : reg(s, store, nr)
            emit("$op${sfx(s)} ${imm(s)}, $dst")
        } else {                                        // imm, mem
            String[] m = mem(s, nr)
            String lk = store && rnd.nextInt(4) == 0 ? 'lock ' : ''
            emit("${m[0]}$lk$op${sfx(s)} ${imm(s)}, ${m[1]}")
        }
    }

    private static final String[] UNARY_OPS = ['inc', 'dec', 'not', 'neg'] as String[]

    private void unary() {
        String op = UNARY_OPS[rnd.nextInt(4)]
        int s = size()
        String[] d = rm(s, true, pickNoRex(s))
        emit("${d[0]}${lock(d)}$op${sfx(s)} ${d[1]}")
    }

    private static final int[] EDGE_COUNTS = [7, 8, 9, 15, 16, 17, 31, 32, 33, 63] as int[]

    private int count(int s) {
        int c = rnd.nextInt(4)
        if (c == 0) return rnd.nextInt(4)
        if (c == 1) return EDGE_COUNTS[rnd.nextInt(EDGE_COUNTS.length)] + (rnd.nextBoolean() ? s * 8 - 8 : 0)
        return rnd.nextInt(s == 8 ? 64 : 32) + (rnd.nextInt(8) == 0 ? 64 : 0)
    }

    private void shift() {
        String op = SHIFTS[rnd.nextInt(SHIFTS.length)]
        int s = size()
        String[] d = rm(s, true, pickNoRex(s))
        int form = rnd.nextInt(3)
        if (form == 0) emit("${d[0]}$op${sfx(s)} ${d[1]}")
        else if (form == 1) emit("${d[0]}$op${sfx(s)} %cl, ${d[1]}")
        else emit("${d[0]}$op${sfx(s)} \$${count(s) & 0xff}, ${d[1]}")
    }

    private void shd() {
        String op = rnd.nextBoolean() ? 'shld' : 'shrd'
        int s = sizes[1 + rnd.nextInt(sizes.length - 1)]
        String[] d = rm(s, true, false)
        Reg src = reg(s, false, false)
        String c = rnd.nextBoolean() ? '%cl' : '$' + (count(s) & 0xff)
        emit("${d[0]}$op${sfx(s)} $c, $src, ${d[1]}")
    }

    private void mul() {
        int s = size()
        int form = s == 1 ? 0 : rnd.nextInt(3)
        if (form == 0) {
            String[] src = rm(s, false, pickNoRex(s))
            emit("${src[0]}${rnd.nextBoolean() ? 'mul' : 'imul'}${sfx(s)} ${src[1]}")
        } else if (form == 1) {
            String[] src = rm(s, false, false)
            emit("${src[0]}imul${sfx(s)} ${src[1]}, ${reg(s, true, false)}")
        } else {
            String[] src = rm(s, false, false)
            String k = rnd.nextBoolean() ? '$' + (rnd.nextInt(256) - 128) : imm(s)
            emit("${src[0]}imul${sfx(s)} $k, ${src[1]}, ${reg(s, true, false)}")
        }
    }

    /**
     * div/idiv with a guard that keeps the quotient in range (most of the time): unsigned, the divisor's
     * top bit set and the high half of the dividend halved; signed, the dividend sign-extended (cbw..cqo)
     * and the divisor made positive and nonzero. One in eight is unguarded and may raise #DE (compared too).
     */
    private static final String[] SIGN_EXTEND = ['cbtw', 'cwtd', 'cltd', 'cqto'] as String[]

    private void div() {
        int s = size()
        boolean signed = rnd.nextBoolean()
        boolean memDivisor = rnd.nextInt(3) == 0
        String x = sfx(s)
        String divisor
        int off = 0
        Reg dr = null
        if (memDivisor) {
            off = rnd.nextInt(DATA_LEN - s + 1)
            divisor = Long.toString(off - 0x80) + '(%' + baseName() + ')'
        } else {
            // any writable register except the dividend's
            for (;;) {
                dr = reg(s, true, false)
                if (dr.num != 0 && dr.num != 2) break
            }
            divisor = dr.toString()
        }
        boolean guard = rnd.nextInt(8) != 0
        if (guard && !signed) {
            if (memDivisor) emit("orb \$0x80, ${off + s - 1 - 0x80}(%${baseName()})")
            else if (s == 1) emit("orb \$0x80, $divisor")
            else emit("bts${x} \$${s * 8 - 1}, $divisor")
            emit(s == 1 ? 'shrb %ah' : "shr$x %${name(2, s)}")
        } else if (guard) {
            emit(SIGN_EXTEND[Integer.numberOfTrailingZeros(s)])
            if (memDivisor) {
                emit("andb \$0x7f, ${off + s - 1 - 0x80}(%${baseName()})")
                emit("orb \$1, ${off - 0x80}(%${baseName()})")
            } else {
                emit("shr$x $divisor")
                emit("or$x \$1, $divisor")
            }
        }
        emit("${signed ? 'idiv' : 'div'}$x $divisor")
    }

    private void mov() {
        int s = size()
        boolean nr = pickNoRex(s)
        int form = rnd.nextInt(6)
        if (form == 0) {
            emit("mov${sfx(s)} ${reg(s, false, nr)}, ${reg(s, true, nr)}")
        } else if (form == 1) {
            String[] m = mem(s, nr)
            emit("${m[0]}mov${sfx(s)} ${m[1]}, ${reg(s, true, nr)}")
        } else if (form == 2) {
            String[] m = mem(s, nr)
            emit("${m[0]}mov${sfx(s)} ${reg(s, false, nr)}, ${m[1]}")
        } else if (form == 3) {
            if (s == 8 && rnd.nextBoolean()) emit("movabsq \$${value()}, ${reg(8, true, false)}")
            else emit("mov${sfx(s)} ${imm(s)}, ${reg(s, true, nr)}")
        } else {
            String[] m = mem(s, nr)
            emit("${m[0]}mov${sfx(s)} ${imm(s)}, ${m[1]}")
        }
    }

    /** movzx/movsx/movsxd: mnemonic, source size, destination size; the last five are 64-bit only. */
    private static final String[] MOVX = ['movzbw', 'movzbl', 'movzwl', 'movsbw', 'movsbl', 'movswl',
                                          'movzbq', 'movzwq', 'movsbq', 'movswq', 'movslq'] as String[]
    private static final int[] MOVX_FROM = [1, 1, 2, 1, 1, 2, 1, 2, 1, 2, 4] as int[]
    private static final int[] MOVX_TO = [2, 4, 4, 2, 4, 4, 8, 8, 8, 8, 8] as int[]

    private void movx() {
        int i = rnd.nextInt(b64 ? MOVX.length : 6)
        int ss = MOVX_FROM[i], ds = MOVX_TO[i]
        boolean nr = b64 && ss == 1 && ds < 8 && rnd.nextInt(4) == 0
        String[] src = rm(ss, false, nr)
        emit("${src[0]}${MOVX[i]} ${src[1]}, ${reg(ds, true, nr)}")
    }

    /** lea computes without accessing memory: any registers, any displacement. */
    private void lea() {
        int ds = rnd.nextInt(4) == 0 ? 2 : b64 && rnd.nextInt(3) != 0 ? 8 : 4
        boolean a32 = b64 && rnd.nextInt(4) == 0
        String[] names = a32 || !b64 ? L : Q
        int limit = b64 ? 16 : 8
        int sc = 1 << rnd.nextInt(4)
        String disp = rnd.nextBoolean() ? Integer.toString(rnd.nextInt(256) - 128) : Integer.toString(rnd.nextInt())
        int bReg = rnd.nextInt(limit)
        int iReg
        do { iReg = rnd.nextInt(limit) } while (iReg == 4)
        String addr
        int form = rnd.nextInt(5)
        if (form == 0) addr = "$disp(%${names[bReg]})"
        else if (form == 1) addr = "(%${names[bReg]},%${names[iReg]},$sc)"
        else if (form == 2) addr = "$disp(,%${names[iReg]},$sc)"
        else if (form == 3 && b64) addr = "${seqLabel}+${disp}(%rip)"
        else addr = "$disp(%${names[bReg]},%${names[iReg]},$sc)"
        emit("lea${sfx(ds)} $addr, ${reg(ds, true, false)}")
    }

    private void setcc() {
        String[] d = rm(1, true, pickNoRex(1))
        emit("${d[0]}set${CC[rnd.nextInt(16)]} ${d[1]}")
    }

    private void cmov() {
        int s = sizes[1 + rnd.nextInt(sizes.length - 1)]
        String[] src = rm(s, false, false)
        emit("${src[0]}cmov${CC[rnd.nextInt(16)]}${sfx(s)} ${src[1]}, ${reg(s, true, false)}")
    }

    private static final String[] BT_OPS = ['bt', 'bts', 'btr', 'btc'] as String[]

    private void bt() {
        String op = BT_OPS[rnd.nextInt(4)]
        int s = sizes[1 + rnd.nextInt(sizes.length - 1)]
        int form = rnd.nextInt(4)
        String lk = op != 'bt' && rnd.nextInt(4) == 0 ? 'lock ' : ''
        if (form == 0) {
            emit("$op${sfx(s)} ${reg(s, false, false)}, ${reg(s, op != 'bt', false)}")
        } else if (form == 1) {
            emit("$op${sfx(s)} \$${rnd.nextInt(256)}, ${reg(s, op != 'bt', false)}")
        } else if (form == 2) {
            String[] m = mem(s, false)
            emit("${m[0]}$lk$op${sfx(s)} \$${rnd.nextInt(256)}, ${m[1]}")
        } else {
            // bit string: a register offset of +-300 bits around a memory operand in the middle of the data
            Reg o = reg(s, true, false)
            int bitOff = rnd.nextInt(601) - 300
            int off = 48 + rnd.nextInt(DATA_LEN - 96)
            emit("mov${sfx(s == 2 ? 4 : s)} \$$bitOff, ${regNum(o.num, s == 2 ? 4 : s)}")
            emit("$lk$op${sfx(s)} $o, ${off - 0x80}(%${baseName()})")
        }
    }

    private void bsf() {
        int s = sizes[1 + rnd.nextInt(sizes.length - 1)]
        String[] src = rm(s, false, false)
        emit("${src[0]}${rnd.nextBoolean() ? 'bsf' : 'bsr'}${sfx(s)} ${src[1]}, ${reg(s, true, false)}")
    }

    private boolean push(int n) {
        if (pushLeft < n) return false
        pushLeft -= n
        true
    }

    private boolean pop(int n) {
        if (popLeft < n) return false
        popLeft -= n
        true
    }

    private int word() { b64 ? 8 : 4 }

    private void pushPop() {
        int w = rnd.nextInt(5) == 0 ? 2 : word()
        String x = sfx(w)
        if (rnd.nextBoolean()) {
            if (!push(w)) { alu(); return }
            int form = rnd.nextInt(3)
            if (form == 0) emit("push$x ${reg(w, false, false)}")
            else if (form == 1) emit("push$x ${imm(w == 8 ? 4 : w)}")
            else { String[] m = mem(w, false); emit("${m[0]}push$x ${m[1]}") }
        } else {
            if (!pop(w)) { alu(); return }
            if (rnd.nextInt(3) == 0) { String[] m = mem(w, false); emit("${m[0]}pop$x ${m[1]}") }
            else emit("pop$x ${reg(w, true, false)}")
        }
    }

    /** pushf, and popf of an image without TF and AC (which would trap or check alignment). */
    private void pushf() {
        int w = rnd.nextInt(4) == 0 ? 2 : word()
        String x = sfx(w)
        int form = rnd.nextInt(3)
        if (form == 0) {
            if (!push(w)) return
            emit("pushf$x")
        } else if (form == 1) {
            if (!push(w) || !pop(w)) return
            // any image but TF and AC (they would trap or check alignment): popf at CPL 3 writes the status
            // flags, DF, NT and ID; IF, IOPL, VIF, VIP, VM and the reserved bits are kept, RF is cleared
            long f = 0x2L | (rnd.nextLong() & 0x3fffffL & ~(Flags.TF | Flags.AC) & Flags.mask(w))
            if (rnd.nextBoolean()) f &= Flags.STATUS | Flags.DF | 0x2L
            emit("push$x \$${hex(f)}")
            emit("popf$x")
        } else {
            if (!push(w) || !pop(w)) return
            emit("pushf$x")
            emit("xor$x \$${hex(rnd.nextLong() & (Flags.STATUS | Flags.DF))}, (%${b64 ? 'rsp' : 'esp'})")
            emit("popf$x")
        }
    }

    private void xchg() {
        int s = size()
        boolean nr = pickNoRex(s)
        int form = rnd.nextInt(4)
        if (form == 0) emit("xchg${sfx(s)} ${reg(s, true, nr)}, ${reg(s, true, nr)}")
        else if (form == 1) emit("xchg${sfx(s)} ${regNum(0, s)}, ${reg(s, true, nr)}")      // 90+r forms (and 87 c0 for eax,eax)
        else { String[] m = mem(s, nr); emit("${m[0]}xchg${sfx(s)} ${reg(s, true, nr)}, ${m[1]}") }
    }

    private void cmpxchg() {
        int s = size()
        boolean nr = pickNoRex(s)
        int form = rnd.nextInt(4)
        if (form == 0) {
            emit("cmpxchg${sfx(s)} ${reg(s, false, nr)}, ${reg(s, true, nr)}")
        } else {
            String[] m = mem(s, nr)
            if (form == 1) emit("${m[0]}mov${sfx(s)} ${m[1]}, ${regNum(0, s)}")     // equal: the store path
            emit("${m[0]}${rnd.nextBoolean() ? 'lock ' : ''}cmpxchg${sfx(s)} ${reg(s, false, nr)}, ${m[1]}")
        }
    }

    private void xadd() {
        int s = size()
        boolean nr = pickNoRex(s)
        String[] d = rm(s, true, nr, 50)
        emit("${d[0]}${lock(d)}xadd${sfx(s)} ${reg(s, true, nr)}, ${d[1]}")
    }

    private void bswap() {
        int s = b64 && rnd.nextBoolean() ? 8 : 4
        emit("bswap ${reg(s, true, false)}")
    }

    private static final String[] CONVERT = ['cbtw', 'cwtl', 'cwtd', 'cltd', 'cltq', 'cqto'] as String[]

    private void cbw() {
        emit(CONVERT[rnd.nextInt(b64 ? 6 : 4)])
    }

    private static final String[] STRING_OPS = ['movs', 'stos', 'lods', 'cmps', 'scas'] as String[]

    /** A string instruction with its pointers and count set up in the data area (both directions fit). */
    private void string() {
        int kind = rnd.nextInt(5)
        String op = STRING_OPS[kind]
        int s = size()
        String bn = baseName()
        String si = b64 ? 'rsi' : 'esi', di = b64 ? 'rdi' : 'edi'
        int n = rnd.nextInt(9)
        int so = -0x30 + rnd.nextInt(0x60), dOff = -0x30 + rnd.nextInt(0x60)
        if (rnd.nextInt(4) == 0) dOff = so + (rnd.nextBoolean() ? s : -s) * rnd.nextInt(3)     // overlapping
        boolean reads = kind == 0 || kind == 2 || kind == 3, writes = kind != 2, compares = kind >= 3
        // a source segment override (movs lods cmps): FS/GS add their bases in 64-bit mode
        String seg = reads && rnd.nextInt(4) == 0 ? (b64 ? SEG64 : SEG32)[rnd.nextInt(b64 ? SEG64.length : SEG32.length)] : ''
        if (seg == '%fs:') so -= (int) FS_BASE
        else if (seg == '%gs:') so -= (int) GS_BASE
        if (reads) emit("lea $so(%$bn), %$si")
        if (writes) emit("lea $dOff(%$bn), %$di")
        String rep = ''
        int r = rnd.nextInt(3)
        if (r > 0) {
            emit("mov \$$n, %ecx")
            rep = compares ? (r == 1 ? 'repe ' : 'repne ') : 'rep '
        }
        if (rnd.nextInt(3) == 0) emit(rnd.nextBoolean() ? 'std' : 'cld')
        String x = sfx(s)
        if (seg == '') emit("$rep$op$x")
        else if (kind == 0) emit("$rep$op$x $seg(%$si), %es:(%$di)")
        else if (kind == 2) emit("$rep$op$x $seg(%$si), %${name(0, s)}")
        else emit("$rep$op$x %es:(%$di), $seg(%$si)")
    }

    private int skip(int after, int max) { Math.max(1, Math.min(after, 1 + rnd.nextInt(max))) }

    private void jcc(int after) {
        String l = forwardLabel(skip(after, 3))
        emit("${rnd.nextInt(4) == 0 ? '{disp32} ' : ''}j${CC[rnd.nextInt(16)]} $l")
    }

    private void jmp(int after) {
        String l = forwardLabel(skip(after, 3))
        emit("${rnd.nextInt(4) == 0 ? '{disp32} ' : ''}jmp $l")
    }

    /** jrcxz/jecxz/loop* forward over one item (rel8 only). */
    private static final String[] LOOP_OPS = ['loop', 'loope', 'loopne', 'jecxz', 'jrcxz', 'addr32 loop'] as String[]

    private void loopForward() {
        String op = LOOP_OPS[rnd.nextInt(b64 ? 6 : 4)]
        if (rnd.nextBoolean()) emit("mov \$${rnd.nextInt(3)}, %ecx")
        String l = forwardLabel(1)
        emit("$op $l")
    }

    /** mov $n, %ecx; body; loop back (or dec/jnz): the body is one simple item that leaves rcx alone. */
    private void loopBack() {
        if (inBody) { alu(); return }
        boolean saved = reserved[1]
        reserved[1] = true
        inBody = true
        String l = newLabel()
        emit("mov \$${1 + rnd.nextInt(4)}, %ecx")
        out << (l + ':')
        item(0)
        if (rnd.nextBoolean()) emit("loop $l")
        else { emit('dec %ecx'); emit("jnz $l") }
        inBody = false
        reserved[1] = saved
    }

    private void call() {
        int w = word()
        String a = newLabel(), b = newLabel()
        int form = rnd.nextInt(3)
        int k = form == 2 ? 2 << rnd.nextInt(4) : 0
        if (!push(w) || !pop(w + k)) return
        emit("call $a")
        if (form == 0) {                                // call next; pop: the return address
            out << (a + ':')
            emit("pop ${reg(w, true, false)}")
        } else {                                        // call a near function that returns (ret, ret imm16)
            emit("jmp $b")
            out << (a + ':')
            emit(k == 0 ? RETS[rnd.nextInt(RETS.length)] : "ret \$$k")
            out << (b + ':')
        }
    }

    /** ret, and the prefixed forms compilers and libc emit (AMD's "rep ret", MPX's "bnd ret"). */
    private static final String[] RETS = ['ret', 'ret', 'repz ret', 'bnd ret'] as String[]
    /** Prefixes seen on indirect branches in gcc and libc output (CET notrack, MPX bnd). */
    private static final String[] BRANCH_PREFIX = ['', '', '', 'notrack ', 'bnd '] as String[]

    /** A frame: push bp; mov sp, bp; sub; a store through bp; leave (restores bp and sp). */
    private void leave() {
        int w = word()
        int k = 8 * (1 + rnd.nextInt(3))
        if (!push(w + k) || !pop(w)) return
        String sp = b64 ? 'rsp' : 'esp', bp = b64 ? 'rbp' : 'ebp'
        emit("push %$bp")
        emit("mov %$sp, %$bp")
        emit("sub \$$k, %$sp")
        emit("mov${sfx(w)} ${reg(w, false, false)}, -${w}(%$bp)")
        emit('leave')
    }

    /** rsp-relative accesses to the stack area, push/pop of rsp-relative memory, push/pop %rsp. */
    private void stack() {
        int s = size()
        String sp = b64 ? 'rsp' : 'esp'
        int d = rnd.nextInt(0xe0) - 0x70
        int w = word()
        int form = rnd.nextInt(6)
        if (form == 0) emit("mov${sfx(s)} $d(%$sp), ${reg(s, true, false)}")
        else if (form == 1) emit("mov${sfx(s)} ${reg(s, false, false)}, $d(%$sp)")
        else if (form == 2) emit("add${sfx(s)} ${reg(s, false, false)}, $d(%$sp)")
        else if (form == 3) { if (push(w)) emit("push${sfx(w)} $d(%$sp)") }
        else if (form == 4) { if (pop(w)) emit("pop${sfx(w)} $d(%$sp)") }        // the address uses rsp after the pop
        else if (push(w) && pop(w)) { emit("push %$sp"); emit("pop %$sp") }     // pop %rsp: the popped value wins
    }

    /** nop forms (gcc's padding among them, as bytes where as has no spelling), fences, pause; the last four are 64-bit only. */
    private static final String[] NOPS = ['nop', 'xchg %ax, %ax', 'nopl (%eax)', 'nopw 0x0(%eax,%eax,1)', 'pause', 'lfence', 'mfence',
                                          'sfence', 'cs nopw 0x0(%eax,%eax,1)', '.byte 0x66, 0x66, 0x2e, 0x0f, 0x1f, 0x84, 0, 0, 0, 0, 0',
                                          'nopl 0x0(%rax)', 'nopw 0x0(%rax,%rax,1)', 'xchg %eax, %eax', 'nopq 0x0(%rax)'] as String[]

    private void nop() {
        int c = rnd.nextInt(b64 ? NOPS.length + 2 : NOPS.length - 2)
        if (c == 0) emit(".nops ${1 + rnd.nextInt(15)}")
        else if (c == 1) emit(b64 ? 'endbr64' : 'endbr32')
        else emit(NOPS[c - 2])
    }

    /**
     * Indirect branches (some with notrack or bnd prefixes): jmp through a register or a memory word to a
     * label one to three items on, or call through a register or a memory word to a local function that
     * returns. A label's address is CODE plus its
     * offset in the sequence (the runner and Cpu both run it at CODE); 64-bit mode also uses lea rip.
     */
    private void indirect(int after) {
        int w = word()
        Reg r = reg(w, true, false)
        String r32 = regNum(r.num, 4).toString()
        int form = rnd.nextInt(5)
        String bp = BRANCH_PREFIX[rnd.nextInt(BRANCH_PREFIX.length)]
        if (form >= 3) {
            String a = newLabel(), b = newLabel()
            if (!push(w) || !pop(w)) return
            emit("movl \$${hex(CODE)}+($a-$seqLabel), $r32")
            if (form == 3) {
                emit("${bp}call *$r")
            } else {
                String[] m = mem(w, false)
                if (m[1].startsWith('%')) bp = ''                 // notrack is a ds prefix: not with an override
                emit("${m[0]}mov${sfx(w)} $r, ${m[1]}")
                emit("${m[0]}${bp}call *${m[1]}")
            }
            emit("jmp $b")
            out << (a + ':')
            emit('ret')
            out << (b + ':')
            return
        }
        String l = forwardLabel(skip(after, 3))
        if (b64 && rnd.nextBoolean()) emit("leaq $l(%rip), $r")
        else emit("movl \$${hex(CODE)}+($l-$seqLabel), $r32")
        if (form == 0) {
            emit("${bp}jmp *$r")
        } else {
            String[] m = mem(w, false)
            if (m[1].startsWith('%')) bp = ''
            emit("${m[0]}mov${sfx(w)} $r, ${m[1]}")
            emit("${m[0]}${bp}jmp *${m[1]}")
        }
    }

    /**
     * The last instruction traps or faults (or a popf sets TF and the next one single-steps): the host's
     * signal and our Step must agree, state included.
     */
    private void terminal() {
        int c = rnd.nextInt(b64 ? 11 : 10)
        if (c == 10 || (!b64 && c == 9)) {                             // an access crossing into the unmapped page
            int s = sizes[1 + rnd.nextInt(sizes.length - 1)]
            String at = hex(WIN + WIN_LEN - 1 - rnd.nextInt(s - 1))
            if (rnd.nextBoolean()) emit("mov${sfx(s)} $at, ${reg(s, true, false)}")
            else emit("add${sfx(s)} ${reg(s, false, false)}, $at")
            return
        }
        if (c == 9 || (!b64 && c == 8)) {                              // TF: the single-step trap after the next instruction
            emit("pushf${sfx(word())}")
            emit("or${sfx(word())} \$0x100, (%${b64 ? 'rsp' : 'esp'})")
            emit("popf${sfx(word())}")
            boolean saved = inBody
            inBody = true                                              // one simple item, no branches or stack
            item(0)
            inBody = saved
            return
        }
        if (c == 0) emit('int3')
        else if (c == 1) emit('ud2')
        else if (c == 2) emit('hlt')                                   // #GP at CPL 3
        else if (c == 3) emit('cli')
        else if (c == 4) emit('sti')
        else if (c == 5) emit("movl ${hex(0x30000000L + rnd.nextInt(0x1000))}, %eax")
        else if (c == 6) emit("movl %ecx, ${hex(0x30000000L + rnd.nextInt(0x1000))}")
        else if (c == 7 && stringOk) {                                 // rep stos off the end of the window
            int s = size()
            emit('cld')
            emit("lea ${WIN_LEN - 0x80 - 1 - rnd.nextInt(16)}(%${baseName()}), %${b64 ? 'rdi' : 'edi'}")
            emit("mov \$${8 + rnd.nextInt(16)}, %ecx")
            emit("rep stos${sfx(s)}")
        } else if (c == 8) {                                           // a non-canonical address: #GP
            emit('movabsq $0x0000800000000000, %rax')
            emit("movl (%rax), %ecx")
        } else {
            emit('int3')
        }
    }

    /**
     * Self-modifying code: a store into the immediate of the next instruction (mov $imm8, %al), which
     * must then execute with the new byte (the code page is writable on both sides).
     */
    private void selfModify() {
        String l = newLabel()
        String where = b64 ? "$l+1(%rip)" : "${hex(CODE)}+($l+1-$seqLabel)"
        emit("movb \$${rnd.nextInt(256) - 128}, $where")
        out << (l + ':')
        emit('movb $0, %al')
    }

    /** mov between the accumulator and an absolute address (moffs: a0-a3). */
    private void moffs() {
        int s = size()
        long target = WIN + rnd.nextInt(DATA_LEN - s + 1)
        String acc = '%' + name(0, s)
        String op = !b64 ? 'mov' + sfx(s) : rnd.nextInt(4) == 0 ? 'addr32 mov' + sfx(s) : 'movabs'
        if (rnd.nextBoolean()) emit("$op ${hex(target)}, $acc")
        else emit("$op $acc, ${hex(target)}")
    }
}
