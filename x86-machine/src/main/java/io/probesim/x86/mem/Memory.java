package io.probesim.x86.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A sparse, little-endian, 64-bit linear address space of 4 KiB pages with R/W/X/U permissions.
 *
 * <p>Pages live in a primitive open-addressing table keyed by page number (no boxing, no
 * hash-ordered iteration of a JDK map). A small direct-mapped lookaside buffer in front of the
 * table makes the common access one array index and one compare.
 *
 * <p>Every access checks, before anything is changed: the address is canonical (bits 63..47
 * equal), every touched page is mapped, and has the permission (R for reads, W for writes, X for
 * fetches, and U as well while a CPU runs at CPL 3, see {@link #userAccess}). A refused access
 * throws {@link MemoryFault} and leaves memory unchanged, also for accesses that cross a page
 * boundary. The supervisor may use every page (no SMEP/SMAP).
 *
 * <p><b>Address spaces.</b> {@code new Memory()} is a standalone space (the kernel's, or a test
 * machine's). {@link #newProcessSpace()} makes a process space whose upper half (kernel space,
 * bit 63 set) <em>is</em> this space: every access and every mapping call on an upper-half address
 * goes to the kernel space, so all processes share it; the lower half is the process's own. A
 * change of the kernel's page table flushes the lookaside buffers of every attached process space
 * (a TLB shootdown). Pages can be shared between spaces: {@link #fork()} and {@link #mapFile}
 * (private file mappings sharing a {@link BackingFile}'s page cache). A shared page is
 * copy-on-write: the first write to it through any path, a normal store to a writable page or a
 * forced {@link #poke} (uprobes' write_opcode into read-only text), gives the writing space a
 * private copy; every other space keeps the original bytes.
 *
 * <p>{@link #codeVersion()} increases whenever the bytes or the executability of an X page this
 * space can see may have changed (a write or poke to an X page, mapping, unmapping or re-protecting
 * a page that is or was X; in the kernel space, also in every attached process space). A
 * decoded-instruction cache stamped with the version it was validated at stays exact under self-
 * and cross-modifying code, in every address space.
 */
public final class Memory {
    /** Page permissions: read, write, execute, user (accessible at CPL 3). */
    public static final int R = 1, W = 2, X = 4, U = 8;
    private static final int PERMS = R | W | X | U;
    /** Table-only flag: the page's bytes may be referenced by another table; copy before any write. */
    private static final int SHARED = 16;
    private static final Memory[] NONE = new Memory[0];
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    public static final long PAGE_MASK = PAGE_SIZE - 1;

    private static final VarHandle LE16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LE64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final int TLB_SIZE = 256;             // direct-mapped, power of two

    // page table: open addressing with linear probing; slot empty when data[slot] == null
    private long[] keys;
    private byte[][] data;
    private int[] perm;
    private int size;

    // lookaside buffer: page number -> (bytes, perms); flushed whenever the table changes shape or perms
    private final long[] tlbTag = new long[TLB_SIZE];
    private final byte[][] tlbData = new byte[TLB_SIZE][];
    private final int[] tlbPerm = new int[TLB_SIZE];

    private long codeVersion;
    /** U while a CPU executes a CPL 3 step on this space (every access then needs U), else 0. */
    private int userNeed;
    /** The space that owns the upper half (process spaces), or null (a standalone space). */
    private final Memory kernel;
    /** For a process space: where user space ends (TASK_SIZE); every address from here up (unsigned) is the kernel's. */
    private final long taskSize;
    /** Process spaces whose upper half is this space (shootdowns and code versions reach them). */
    private Memory[] attached = NONE;

    /** A standalone address space: the kernel's, or a test machine's. */
    public Memory() {
        this(null, 0);
    }

    private Memory(Memory kernel, long taskSize) {
        this.kernel = kernel;
        this.taskSize = taskSize;
        keys = new long[64];
        data = new byte[64][];
        perm = new int[64];
        flushTlb();
    }

    // ------------------------------------------------------------------ address spaces

    /**
     * A new process address space: its lower half is its own and empty, its upper half is this
     * (standalone) space. Release it with {@link #release()} when the process is gone.
     */
    public Memory newProcessSpace() {
        return newProcessSpace(DEFAULT_TASK_SIZE);
    }

    /** x86-64's TASK_SIZE: the canonical lower half. */
    public static final long DEFAULT_TASK_SIZE = 1L << 47;

    /**
     * A process space whose own part ends at {@code taskSize} (x86-64: the canonical lower half;
     * i386: 0xc0000000, the 3G/1G split); from there up it is this space.
     */
    public Memory newProcessSpace(long taskSize) {
        if (kernel != null) throw new IllegalStateException("process spaces are made from the kernel space, not from a process space");
        if (taskSize <= 0 || (taskSize & PAGE_MASK) != 0) throw new IllegalArgumentException("task size 0x" + Long.toHexString(taskSize));
        Memory p = new Memory(this, taskSize);
        attached = Arrays.copyOf(attached, attached.length + 1);
        attached[attached.length - 1] = p;
        return p;
    }

    /** Detaches a process space from its kernel space (the process exited); it must not be used afterwards. */
    public void release() {
        if (kernel == null) return;
        Memory[] a = kernel.attached;
        for (int i = 0; i < a.length; i++) {
            if (a[i] == this) {
                Memory[] b = new Memory[a.length - 1];
                System.arraycopy(a, 0, b, 0, i);
                System.arraycopy(a, i + 1, b, i, a.length - i - 1);
                kernel.attached = b;
                return;
            }
        }
    }

    /** The kernel space a process space shares its upper half with; null for a standalone space. */
    /** True for a space made by {@link #newProcessSpace}. */
    public boolean isProcessSpace() {
        return kernel != null;
    }

    /** A process space's TASK_SIZE (where its own part ends); 0 for a standalone space. */
    public long taskSize() {
        return taskSize;
    }

    public Memory kernelSpace() {
        return kernel;
    }

    /**
     * fork(): a new space holding every page this space owns, shared copy-on-write by both (the
     * kernel half stays the one shared kernel space). Neither side sees the other's later writes.
     */
    public Memory fork() {
        Memory child = kernel != null ? kernel.newProcessSpace(taskSize) : new Memory();
        for (int i = 0; i < data.length; i++) {
            if (data[i] == null) continue;
            perm[i] |= SHARED;
            child.insert(keys[i], data[i], perm[i]);
        }
        child.codeVersion = codeVersion;
        flushOwnTlb();                       // cached entries still grant W on pages now shared
        return child;
    }

    /**
     * A private file mapping (MAP_PRIVATE): the pages overlapping [addr, addr+len) show the file
     * from {@code fileOffset} (page aligned, like addr) and share the file's page cache with every
     * other mapping of it until this space writes one of them (then it gets a private copy).
     * Replaces pages already mapped there, like MAP_FIXED.
     */
    public void mapFile(long addr, long len, int perms, BackingFile file, long fileOffset) {
        if (kernel != null && kernelHalf(addr)) {
            kernel.mapFile(addr, len, perms, file, fileOffset);
            return;
        }
        checkRange(addr, len);
        checkPerms(perms);
        if ((addr & PAGE_MASK) != 0 || (fileOffset & PAGE_MASK) != 0 || fileOffset < 0)
            throw new IllegalArgumentException(String.format("file mapping at 0x%x, offset 0x%x: both must be page aligned", addr, fileOffset));
        long first = addr >>> PAGE_SHIFT, last = (addr + len - 1) >>> PAGE_SHIFT;
        boolean code = (perms & X) != 0;
        for (long p = first; ; p++) {
            byte[] bytes = file.page((fileOffset >>> PAGE_SHIFT) + (p - first));
            int s = find(p);
            if (s < 0) {
                insert(p, bytes, perms | SHARED);
            } else {
                code |= (perm[s] & X) != 0;
                data[s] = bytes;
                perm[s] = perms | SHARED;
            }
            if (p == last) break;
        }
        if (code) bumpCode();
        flushTlb();
    }

    /** True when the page holding addr is shared with another space or a file (its next write copies it). */
    public boolean isShared(long addr) {
        if (kernel != null && kernelHalf(addr)) return kernel.isShared(addr);
        if (!canonical(addr)) return false;
        int s = find(addr >>> PAGE_SHIFT);
        return s >= 0 && (perm[s] & SHARED) != 0;
    }

    /**
     * Makes every access need U as well (on) or not (off). The CPU turns it on for the duration of
     * one CPL 3 step; the kernel's own accesses run with it off.
     */
    public void userAccess(boolean on) {
        userNeed = on ? U : 0;
    }

    // ------------------------------------------------------------------ mapping

    /**
     * Maps every page overlapping [addr, addr+len) with {@code perms}. New pages are zero-filled;
     * pages already mapped keep their bytes and get the new permissions. As on x86, a present page
     * is readable: perms include R, or are 0 (the page keeps its bytes but is not present, every
     * access faults with P = 0, like Linux's PROT_NONE).
     */
    public void map(long addr, long len, int perms) {
        if (len > 0) checkSide(addr, len);
        if (kernel != null && kernelHalf(addr)) {
            kernel.map(addr, len, perms);
            return;
        }
        checkRange(addr, len);
        checkPerms(perms);
        long first = addr >>> PAGE_SHIFT, last = (addr + len - 1) >>> PAGE_SHIFT;
        for (long p = first; ; p++) {
            int s = find(p);
            if (s < 0) {
                insert(p, new byte[PAGE_SIZE], perms);
                if ((perms & X) != 0) bumpCode();
            } else {
                if (((perm[s] | perms) & X) != 0 && (perm[s] & PERMS) != perms) bumpCode();
                perm[s] = perms | (perm[s] & SHARED);
            }
            if (p == last) break;
        }
        flushTlb();
    }

    /** Changes the permissions of mapped pages overlapping [addr, addr+len); unmapped pages are an error. */
    public void protect(long addr, long len, int perms) {
        if (len > 0) checkSide(addr, len);
        if (kernel != null && kernelHalf(addr)) {
            kernel.protect(addr, len, perms);
            return;
        }
        checkRange(addr, len);
        long first = addr >>> PAGE_SHIFT, last = (addr + len - 1) >>> PAGE_SHIFT;
        for (long p = first; ; p++) {
            if (find(p) < 0) throw new IllegalArgumentException(String.format("page 0x%x not mapped", p << PAGE_SHIFT));
            if (p == last) break;
        }
        map(addr, len, perms);
    }

    /** Removes every page overlapping [addr, addr+len); pages not mapped are ignored. */
    public void unmap(long addr, long len) {
        if (len > 0) checkSide(addr, len);
        if (kernel != null && kernelHalf(addr)) {
            kernel.unmap(addr, len);
            return;
        }
        checkRange(addr, len);
        long first = addr >>> PAGE_SHIFT, last = (addr + len - 1) >>> PAGE_SHIFT;
        for (long p = first; ; p++) {
            int s = find(p);
            if (s >= 0) {
                if ((perm[s] & X) != 0) bumpCode();
                remove(s);
            }
            if (p == last) break;
        }
        flushTlb();
    }

    public boolean isMapped(long addr) {
        return canonical(addr) && owner(addr).find(addr >>> PAGE_SHIFT) >= 0;
    }

    /** Permissions of the page holding addr (R W X U); 0 when not mapped. */
    public int perms(long addr) {
        if (!canonical(addr)) return 0;
        Memory o = owner(addr);
        int s = o.find(addr >>> PAGE_SHIFT);
        return s < 0 ? 0 : o.perm[s] & PERMS;
    }

    /** Number of pages this space's own table maps (a process space: its lower half only). */
    public int pageCount() { return size; }

    /** Increases whenever executable bytes may have changed (see class comment). */
    public long codeVersion() { return codeVersion; }

    /** True when bits 63..47 of the address are all equal. */
    public static boolean canonical(long a) {
        return (a << 16 >> 16) == a;
    }

    // ------------------------------------------------------------------ data access

    public int read8(long a) {
        return page(a, R) [(int) (a & PAGE_MASK)] & 0xff;
    }

    public int read16(long a) {
        int off = (int) (a & PAGE_MASK);
        if (off <= PAGE_SIZE - 2) return (short) LE16.get(page(a, R), off) & 0xffff;
        return (int) readSlow(a, 2);
    }

    public int read32(long a) {
        int off = (int) (a & PAGE_MASK);
        if (off <= PAGE_SIZE - 4) return (int) LE32.get(page(a, R), off);
        return (int) readSlow(a, 4);
    }

    public long read64(long a) {
        int off = (int) (a & PAGE_MASK);
        if (off <= PAGE_SIZE - 8) return (long) LE64.get(page(a, R), off);
        return readSlow(a, 8);
    }

    /** Reads 1, 2, 4 or 8 bytes, zero-extended (8: all 64 bits). */
    public long load(long a, int size) {
        switch (size) {
            case 1: return read8(a);
            case 2: return read16(a);
            case 4: return read32(a) & 0xffffffffL;
            case 8: return read64(a);
            default: throw new IllegalArgumentException("size " + size);
        }
    }

    public void write8(long a, int v) {
        byte[] p = page(a, W);
        p[(int) (a & PAGE_MASK)] = (byte) v;
        if (tlbPermOf(a) != 0) codeWritten(a);
    }

    public void write16(long a, int v) {
        int off = (int) (a & PAGE_MASK);
        if (off <= PAGE_SIZE - 2) {
            LE16.set(page(a, W), off, (short) v);
            if (tlbPermOf(a) != 0) codeWritten(a);
        } else {
            writeSlow(a, v, 2, W);
        }
    }

    public void write32(long a, int v) {
        int off = (int) (a & PAGE_MASK);
        if (off <= PAGE_SIZE - 4) {
            LE32.set(page(a, W), off, v);
            if (tlbPermOf(a) != 0) codeWritten(a);
        } else {
            writeSlow(a, v, 4, W);
        }
    }

    public void write64(long a, long v) {
        int off = (int) (a & PAGE_MASK);
        if (off <= PAGE_SIZE - 8) {
            LE64.set(page(a, W), off, v);
            if (tlbPermOf(a) != 0) codeWritten(a);
        } else {
            writeSlow(a, v, 8, W);
        }
    }

    /** Writes the low 1, 2, 4 or 8 bytes of v. */
    public void store(long a, int size, long v) {
        switch (size) {
            case 1: write8(a, (int) v); break;
            case 2: write16(a, (int) v); break;
            case 4: write32(a, (int) v); break;
            case 8: write64(a, v); break;
            default: throw new IllegalArgumentException("size " + size);
        }
    }

    /**
     * Reads 1, 2, 4 or 8 bytes that the instruction will then write (a read-modify-write
     * destination): the access needs W from the start, so a fault reports a write, as the CPU does.
     */
    public long loadForWrite(long a, int size) {
        int off = (int) (a & PAGE_MASK);
        if (off <= PAGE_SIZE - size) {
            byte[] p = page(a, W);
            switch (size) {
                case 1: return p[off] & 0xff;
                case 2: return (short) LE16.get(p, off) & 0xffff;
                case 4: return (int) LE32.get(p, off) & 0xffffffffL;
                case 8: return (long) LE64.get(p, off);
                default: throw new IllegalArgumentException("size " + size);
            }
        }
        checkWrite(a, size);
        return load(a, size);
    }

    /** Checks that a write of {@code size} bytes at a would succeed, without writing. */
    public void checkWrite(long a, int size) {
        page(a, W);
        if (((a & PAGE_MASK) + size) > PAGE_SIZE) page((a + size - 1) & ~PAGE_MASK, W);
    }

    /** Reads n bytes (needs R on every page). */
    public byte[] read(long a, int n) {
        byte[] out = new byte[n];
        copyOut(a, out, 0, n, R);
        return out;
    }

    /** Writes the bytes (needs W on every page; nothing is written if any page refuses). */
    public void write(long a, byte[] b) {
        copyIn(a, b, W);
    }

    /**
     * Writes the bytes ignoring W (kernel text_poke; uprobes' forced write into a process's text);
     * every page must still be mapped. A shared page gets a private copy first, so other spaces and
     * the page cache keep their bytes.
     */
    public void poke(long a, byte[] b) {
        if (b.length == 0) return;
        if (kernel != null && kernelHalf(a)) {
            kernel.poke(a, b);
            return;
        }
        for (long p = a; ; ) {
            page(p, 0);                                  // every page mapped, before anything changes
            long next = (p | PAGE_MASK) + 1;
            if (next - a >= b.length || next == 0) break;
            p = next;
        }
        for (long p = a; ; ) {
            int s = find(p >>> PAGE_SHIFT);
            if ((perm[s] & SHARED) != 0) unshare(s);
            long next = (p | PAGE_MASK) + 1;
            if (next - a >= b.length || next == 0) break;
            p = next;
        }
        copyIn(a, b, 0);
    }

    /**
     * Instruction fetch: copies up to n bytes at a into dst, stopping before the first byte whose
     * page is not executable (or not canonical). Returns the number copied; throws the fetch fault
     * when not even the first byte can be fetched.
     */
    public int fetch(long a, byte[] dst, int n) {
        int done = 0;
        while (done < n) {
            long at = a + done;
            byte[] p;
            if (done == 0) {
                p = page(at, X);
            } else {
                if (!canonical(at)) break;
                Memory o = owner(at);
                int s = o.find(at >>> PAGE_SHIFT);
                int need = X | userNeed;
                if (s < 0 || (o.perm[s] & need) != need) break;
                p = o.data[s];
            }
            int off = (int) (at & PAGE_MASK);
            int k = Math.min(n - done, PAGE_SIZE - off);
            System.arraycopy(p, off, dst, done, k);
            done += k;
        }
        return done;
    }

    /** The fault a supervisor access of this kind at a would raise, or null when it would succeed (no side effect). */
    public MemoryFault probe(long a, boolean write, boolean fetch) {
        return probe(a, write, fetch, false);
    }

    /** The fault an access of this kind (by user code when {@code user}) would raise, or null. */
    public MemoryFault probe(long a, boolean write, boolean fetch, boolean user) {
        int need = (fetch ? X : write ? W : R) | (user ? U : 0);
        if (!canonical(a)) return new MemoryFault(a, write, fetch, true, false, user);
        Memory o = owner(a);
        int s = o.find(a >>> PAGE_SHIFT);
        if (s < 0) return new MemoryFault(a, write, fetch, false, false, user);
        if ((o.perm[s] & need) != need) return new MemoryFault(a, write, fetch, false, (o.perm[s] & PERMS) != 0, user);
        return null;
    }

    /**
     * A deep copy of a standalone space: no page is shared (with anything), no process space is
     * attached to the copy; the copy starts with the same code version.
     */
    public Memory copy() {
        if (kernel != null) throw new IllegalStateException("copy() copies a standalone space; a process space is copied by fork()");
        Memory m = new Memory();
        m.keys = keys.clone();
        m.perm = perm.clone();
        m.data = new byte[data.length][];
        for (int i = 0; i < data.length; i++) {
            if (data[i] != null) {
                m.data[i] = data[i].clone();
                m.perm[i] &= ~SHARED;
            }
        }
        m.size = size;
        m.codeVersion = codeVersion;
        return m;
    }

    // ------------------------------------------------------------------ internals

    /** The page bytes for an access needing {@code need} (0: only mapped); throws the fault otherwise. */
    private byte[] page(long a, int need) {
        long pn = a >>> PAGE_SHIFT;
        int t = (int) pn & (TLB_SIZE - 1);
        int n = need | userNeed;
        if (tlbTag[t] == pn && (tlbPerm[t] & n) == n) return tlbData[t];
        return pageMiss(a, need, n);
    }

    private byte[] pageMiss(long a, int need, int n) {
        boolean write = need == W || need == 0, fetch = need == X;   // need 0: poke (a write ignoring W)
        boolean user = userNeed != 0;
        if (!canonical(a)) throw new MemoryFault(a, write, fetch, true, false, user);
        long pn = a >>> PAGE_SHIFT;
        Memory o = owner(a);
        int s = o.find(pn);
        if (s < 0) throw new MemoryFault(a, write, fetch, false, false, user);
        // a page mapped with no permission is kept but not present (P = 0), as Linux keeps PROT_NONE
        if ((o.perm[s] & n) != n) throw new MemoryFault(a, write, fetch, false, (o.perm[s] & PERMS) != 0, user);
        if (need == W && (o.perm[s] & SHARED) != 0) o.unshare(s);      // copy-on-write
        int t = (int) pn & (TLB_SIZE - 1);
        int pm = o.perm[s];
        tlbTag[t] = pn;
        tlbData[t] = o.data[s];
        // a shared page is cached without W, so that its first write comes here and copies it
        tlbPerm[t] = (pm & SHARED) != 0 ? pm & PERMS & ~W : pm & PERMS;
        return o.data[s];
    }

    /** The space whose table holds address a: the kernel space for the upper half of a process space. */
    private Memory owner(long a) {
        return kernel != null && kernelHalf(a) ? kernel : this;
    }

    /** Gives slot s private bytes (copy-on-write break); every buffer caching the old bytes forgets them. */
    private void unshare(int s) {
        data[s] = data[s].clone();
        perm[s] &= ~SHARED;
        long pn = keys[s];
        forgetTlbEntry(pn);
        for (Memory m : attached) m.forgetTlbEntry(pn);
    }

    private void forgetTlbEntry(long pn) {
        int t = (int) pn & (TLB_SIZE - 1);
        if (tlbTag[t] == pn) {
            tlbTag[t] = -1L;
            tlbData[t] = null;
            tlbPerm[t] = 0;
        }
    }

    /** An X page holding a was written through this space: bump the versions of every space that sees it. */
    private void codeWritten(long a) {
        owner(a).bumpCode();
    }

    private void bumpCode() {
        codeVersion++;
        for (Memory m : attached) m.codeVersion++;
    }

    private static void checkPerms(int perms) {
        if ((perms & ~PERMS) != 0) throw new IllegalArgumentException("perms " + perms);
        if (perms != 0 && (perms & R) == 0)
            throw new IllegalArgumentException("perms " + perms + ": an x86 page that is present is readable; include R, or map with 0 (not present, like PROT_NONE)");
    }

    /** X bit of the page holding a, which must have just been looked up through the TLB. */
    private int tlbPermOf(long a) {
        return tlbPerm[(int) (a >>> PAGE_SHIFT) & (TLB_SIZE - 1)] & X;
    }

    private long readSlow(long a, int n) {
        // check every page first (the fault must be for the first refusing byte's page)
        long last = a + n - 1;
        byte[] p0 = page(a, R);
        byte[] p1 = page(last & ~PAGE_MASK, R);
        long v = 0;
        for (int i = 0; i < n; i++) {
            long at = a + i;
            byte[] p = ((at ^ a) >>> PAGE_SHIFT) == 0 ? p0 : p1;
            v |= (long) (p[(int) (at & PAGE_MASK)] & 0xff) << (8 * i);
        }
        return v;
    }

    private void writeSlow(long a, long v, int n, int need) {
        long last = a + n - 1;
        byte[] p0 = page(a, need);
        int x0 = tlbPermOf(a);
        byte[] p1 = page(last & ~PAGE_MASK, need);
        int x1 = tlbPermOf(last);
        for (int i = 0; i < n; i++) {
            long at = a + i;
            byte[] p = ((at ^ a) >>> PAGE_SHIFT) == 0 ? p0 : p1;
            p[(int) (at & PAGE_MASK)] = (byte) (v >>> (8 * i));
        }
        if ((x0 | x1) != 0) codeWritten(a);
    }

    private void copyOut(long a, byte[] out, int from, int n, int need) {
        if (n == 0) return;
        // check all pages first
        for (long p = a; ; ) {
            page(p, need);
            long next = (p | PAGE_MASK) + 1;
            if (next - a >= n || next == 0) break;
            p = next;
        }
        for (int done = 0; done < n; ) {
            long at = a + done;
            int off = (int) (at & PAGE_MASK);
            int k = Math.min(n - done, PAGE_SIZE - off);
            System.arraycopy(page(at, need), off, out, from + done, k);
            done += k;
        }
    }

    private void copyIn(long a, byte[] b, int need) {
        int n = b.length;
        if (n == 0) return;
        boolean code = false;
        for (long p = a; ; ) {
            page(p, need);
            code |= tlbPermOf(p) != 0;
            long next = (p | PAGE_MASK) + 1;
            if (next - a >= n || next == 0) break;
            p = next;
        }
        for (int done = 0; done < n; ) {
            long at = a + done;
            int off = (int) (at & PAGE_MASK);
            int k = Math.min(n - done, PAGE_SIZE - off);
            System.arraycopy(b, done, page(at, need), off, k);
            done += k;
        }
        if (code) codeWritten(a);
    }

    /** In a process space: the address belongs to the shared kernel part. */
    private boolean kernelHalf(long a) {
        return Long.compareUnsigned(a, taskSize) >= 0;
    }

    /** A process space's mapping call stays on one side of TASK_SIZE. */
    private void checkSide(long addr, long len) {
        if (kernel != null && kernelHalf(addr) != kernelHalf(addr + len - 1)) {
            throw new IllegalArgumentException(String.format("range 0x%x+0x%x crosses the task size 0x%x", addr, len, taskSize));
        }
    }

    private static void checkRange(long addr, long len) {
        if (len <= 0) throw new IllegalArgumentException("length " + len);
        if (!canonical(addr) || !canonical(addr + len - 1) || (addr < 0) != (addr + len - 1 < 0))
            throw new IllegalArgumentException(String.format("range 0x%x+0x%x is not canonical", addr, len));
    }

    /** After a change of this table: this space's buffer and those of the process spaces sharing it (a shootdown). */
    private void flushTlb() {
        flushOwnTlb();
        for (Memory m : attached) m.flushOwnTlb();
    }

    private void flushOwnTlb() {
        Arrays.fill(tlbTag, -1L);            // a >>> 12 is never -1, so -1 never matches
        Arrays.fill(tlbData, null);
        Arrays.fill(tlbPerm, 0);
    }

    private static int hash(long k) {
        k *= 0x9E3779B97F4A7C15L;
        return (int) (k ^ (k >>> 32));
    }

    private int find(long pn) {
        int mask = keys.length - 1;
        for (int i = hash(pn) & mask; ; i = (i + 1) & mask) {
            if (data[i] == null) return -1;
            if (keys[i] == pn) return i;
        }
    }

    private void insert(long pn, byte[] bytes, int perms) {
        if ((size + 1) * 2 > keys.length) grow();
        int mask = keys.length - 1;
        int i = hash(pn) & mask;
        while (data[i] != null) i = (i + 1) & mask;
        keys[i] = pn;
        data[i] = bytes;
        perm[i] = perms;
        size++;
    }

    private void grow() {
        long[] ok = keys;
        byte[][] od = data;
        int[] op = perm;
        keys = new long[ok.length * 2];
        data = new byte[ok.length * 2][];
        perm = new int[ok.length * 2];
        size = 0;
        for (int i = 0; i < ok.length; i++) {
            if (od[i] != null) insert(ok[i], od[i], op[i]);
        }
    }

    /** Backward-shift deletion (keeps probe chains intact without tombstones). */
    private void remove(int s) {
        int mask = keys.length - 1;
        data[s] = null;
        size--;
        int hole = s;
        for (int i = (s + 1) & mask; data[i] != null; i = (i + 1) & mask) {
            int home = hash(keys[i]) & mask;
            // move entry i into the hole if its home is not in (hole, i]
            boolean inRange = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
            if (!inRange) {
                keys[hole] = keys[i];
                data[hole] = data[i];
                perm[hole] = perm[i];
                data[i] = null;
                hole = i;
            }
        }
    }
}
