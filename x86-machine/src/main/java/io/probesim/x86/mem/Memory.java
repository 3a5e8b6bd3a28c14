package io.probesim.x86.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A sparse, little-endian, 64-bit linear address space of 4 KiB pages with R/W/X permissions.
 *
 * <p>Pages live in a primitive open-addressing table keyed by page number (no boxing, no
 * hash-ordered iteration of a JDK map). A small direct-mapped lookaside buffer in front of the
 * table makes the common access one array index and one compare.
 *
 * <p>Every access checks, before anything is changed: the address is canonical (bits 63..47
 * equal), every touched page is mapped, and has the permission (R for reads, W for writes, X for
 * fetches). A refused access throws {@link MemoryFault} and leaves memory unchanged, also for
 * accesses that cross a page boundary.
 *
 * <p>{@link #codeVersion()} increases whenever the bytes or the executability of an X page may
 * have changed (a write or poke to an X page, mapping, unmapping or re-protecting a page that is or
 * was X). A decoded-instruction cache stamped with the version it was validated at stays exact
 * under self- and cross-modifying code.
 *
 * <p><b>Process address spaces.</b> {@link #newProcessSpace()} makes the address space of a user
 * process: its own pages below the task size (TASK_SIZE: where user space ends), and everything
 * from there up (the kernel half) shared with this memory, as every Linux mm maps the same kernel. Mapping, unmapping or protecting a
 * kernel-half range through a process space changes the kernel's memory. While the CPU using a
 * space runs at CPL 3 ({@link #setUserMode}), a kernel-half access faults as a supervisor page
 * would (#PF with P set when the kernel page exists); the lookaside buffer is flushed on each
 * switch, so the common access path has no privilege test. A code change anywhere in the kernel
 * half, or through any linked space, advances the code version of the kernel and of every
 * process space sharing it.
 */
public final class Memory {
    public static final int R = 1, W = 2, X = 4;
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

    /** The memory whose kernel half this process space shares; null when this memory is whole. */
    private final Memory kernelHalf;
    /** The process spaces sharing this memory's kernel half. */
    private Memory[] sharers = new Memory[0];
    /** First address of the shared kernel half (unsigned), for a process space. */
    private final long taskSize;
    /** The CPU using this space is at CPL 3: kernel-half accesses fault. */
    private boolean userMode;

    public Memory() {
        this(null, 0);
    }

    private Memory(Memory kernelHalf, long taskSize) {
        this.kernelHalf = kernelHalf;
        this.taskSize = taskSize;
        keys = new long[64];
        data = new byte[64][];
        perm = new int[64];
        flushTlb();
    }

    // ------------------------------------------------------------------ mapping

    /**
     * Maps every page overlapping [addr, addr+len) with {@code perms}. New pages are zero-filled;
     * pages already mapped keep their bytes and get the new permissions.
     */
    public void map(long addr, long len, int perms) {
        checkRange(addr, len);
        if (kernelRange(addr, len)) {
            kernelHalf.map(addr, len, perms);
            return;
        }
        if ((perms & ~(R | W | X)) != 0) throw new IllegalArgumentException("perms " + perms);
        long first = addr >>> PAGE_SHIFT, last = (addr + len - 1) >>> PAGE_SHIFT;
        for (long p = first; ; p++) {
            int s = find(p);
            if (s < 0) {
                insert(p, new byte[PAGE_SIZE], perms);
                if ((perms & X) != 0) codeChanged();
            } else {
                if (((perm[s] | perms) & X) != 0 && perm[s] != perms) codeChanged();
                perm[s] = perms;
            }
            if (p == last) break;
        }
        shapeChanged();
    }

    /** Changes the permissions of mapped pages overlapping [addr, addr+len); unmapped pages are an error. */
    public void protect(long addr, long len, int perms) {
        checkRange(addr, len);
        if (kernelRange(addr, len)) {
            kernelHalf.protect(addr, len, perms);
            return;
        }
        long first = addr >>> PAGE_SHIFT, last = (addr + len - 1) >>> PAGE_SHIFT;
        for (long p = first; ; p++) {
            if (find(p) < 0) throw new IllegalArgumentException(String.format("page 0x%x not mapped", p << PAGE_SHIFT));
            if (p == last) break;
        }
        map(addr, len, perms);
    }

    /** Removes every page overlapping [addr, addr+len); pages not mapped are ignored. */
    public void unmap(long addr, long len) {
        checkRange(addr, len);
        if (kernelRange(addr, len)) {
            kernelHalf.unmap(addr, len);
            return;
        }
        long first = addr >>> PAGE_SHIFT, last = (addr + len - 1) >>> PAGE_SHIFT;
        for (long p = first; ; p++) {
            int s = find(p);
            if (s >= 0) {
                if ((perm[s] & X) != 0) codeChanged();
                remove(s);
            }
            if (p == last) break;
        }
        shapeChanged();
    }

    public boolean isMapped(long addr) {
        if (sharesKernelHalf(addr)) return kernelHalf.isMapped(addr);
        return canonical(addr) && find(addr >>> PAGE_SHIFT) >= 0;
    }

    /** Permissions of the page holding addr; 0 when not mapped. */
    public int perms(long addr) {
        if (sharesKernelHalf(addr)) return kernelHalf.perms(addr);
        if (!canonical(addr)) return 0;
        int s = find(addr >>> PAGE_SHIFT);
        return s < 0 ? 0 : perm[s];
    }

    // ------------------------------------------------------------------ process spaces

    /**
     * A new user address space: no pages of its own below {@code taskSize}, every address from
     * {@code taskSize} up (unsigned) shared with this memory (see the class comment). Call
     * {@link #release()} when the process is gone.
     */
    public Memory newProcessSpace(long taskSize) {
        if (kernelHalf != null) throw new IllegalStateException("a process space cannot hold process spaces");
        if (taskSize <= 0 || (taskSize & PAGE_MASK) != 0) throw new IllegalArgumentException("task size 0x" + Long.toHexString(taskSize));
        Memory m = new Memory(this, taskSize);
        m.codeVersion = codeVersion;
        sharers = Arrays.copyOf(sharers, sharers.length + 1);
        sharers[sharers.length - 1] = m;
        return m;
    }

    /** Detaches a process space from the kernel's memory (process exit). */
    public void release() {
        if (kernelHalf == null) return;
        Memory[] s = kernelHalf.sharers;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == this) {
                Memory[] n = new Memory[s.length - 1];
                System.arraycopy(s, 0, n, 0, i);
                System.arraycopy(s, i + 1, n, i, s.length - i - 1);
                kernelHalf.sharers = n;
                return;
            }
        }
    }

    /** True for a process space (its kernel half is another memory's). */
    public boolean isProcessSpace() {
        return kernelHalf != null;
    }

    /**
     * Tells a process space whether the CPU using it runs at CPL 3 (kernel-half accesses fault)
     * or 0. Flushes the lookaside buffer when the mode changes.
     */
    public void setUserMode(boolean user) {
        if (user != userMode) {
            userMode = user;
            flushTlb();
        }
    }

    public boolean userMode() {
        return userMode;
    }

    /** First address of the shared kernel half (0 for a whole memory). */
    public long taskSize() {
        return taskSize;
    }

    /** True when [addr, addr+len) is in the shared kernel half; a range across the boundary is refused. */
    private boolean kernelRange(long addr, long len) {
        boolean first = sharesKernelHalf(addr), last = sharesKernelHalf(addr + len - 1);
        if (first != last) {
            throw new IllegalArgumentException(String.format("range 0x%x+0x%x crosses the task size 0x%x", addr, len, taskSize));
        }
        return first;
    }

    private boolean sharesKernelHalf(long a) {
        return kernelHalf != null && Long.compareUnsigned(a, taskSize) >= 0;
    }

    /** Number of mapped pages. */
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
        if (tlbPermOf(a) != 0) codeChanged();
    }

    public void write16(long a, int v) {
        int off = (int) (a & PAGE_MASK);
        if (off <= PAGE_SIZE - 2) {
            LE16.set(page(a, W), off, (short) v);
            if (tlbPermOf(a) != 0) codeChanged();
        } else {
            writeSlow(a, v, 2, W);
        }
    }

    public void write32(long a, int v) {
        int off = (int) (a & PAGE_MASK);
        if (off <= PAGE_SIZE - 4) {
            LE32.set(page(a, W), off, v);
            if (tlbPermOf(a) != 0) codeChanged();
        } else {
            writeSlow(a, v, 4, W);
        }
    }

    public void write64(long a, long v) {
        int off = (int) (a & PAGE_MASK);
        if (off <= PAGE_SIZE - 8) {
            LE64.set(page(a, W), off, v);
            if (tlbPermOf(a) != 0) codeChanged();
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

    /** Writes the bytes ignoring W (kernel text_poke); every page must still be mapped. */
    public void poke(long a, byte[] b) {
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
                if (probe(at, false, true) != null) break;
                p = page(at, X);
            }
            int off = (int) (at & PAGE_MASK);
            int k = Math.min(n - done, PAGE_SIZE - off);
            System.arraycopy(p, off, dst, done, k);
            done += k;
        }
        return done;
    }

    /** The fault an access of this kind at a would raise, or null when it would succeed (no side effect). */
    public MemoryFault probe(long a, boolean write, boolean fetch) {
        int need = fetch ? X : write ? W : R;
        if (sharesKernelHalf(a)) {
            if (!userMode) return kernelHalf.probe(a, write, fetch);
            return new MemoryFault(a, write, fetch, !canonical(a), kernelHalf.isMapped(a));
        }
        if (!canonical(a)) return new MemoryFault(a, write, fetch, true, false);
        int s = find(a >>> PAGE_SHIFT);
        if (s < 0) return new MemoryFault(a, write, fetch, false, false);
        if ((perm[s] & need) != need) return new MemoryFault(a, write, fetch, false, true);
        return null;
    }

    /** A deep copy: no page is shared; the copy starts with the same code version. */
    public Memory copy() {
        Memory m = kernelHalf == null ? new Memory() : kernelHalf.newProcessSpace(taskSize);
        m.keys = keys.clone();
        m.perm = perm.clone();
        m.data = new byte[data.length][];
        for (int i = 0; i < data.length; i++) {
            if (data[i] != null) m.data[i] = data[i].clone();
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
        if (tlbTag[t] == pn && (tlbPerm[t] & need) == need) return tlbData[t];
        return pageMiss(a, need);
    }

    private byte[] pageMiss(long a, int need) {
        boolean write = need == W || need == 0, fetch = need == X;   // need 0: poke (a write ignoring W)
        if (!canonical(a)) throw new MemoryFault(a, write, fetch, true, false);
        long pn = a >>> PAGE_SHIFT;
        Memory owner = this;
        if (sharesKernelHalf(a)) {
            if (userMode) throw new MemoryFault(a, write, fetch, false, kernelHalf.isMapped(a));   // supervisor page
            owner = kernelHalf;
        }
        int s = owner.find(pn);
        if (s < 0) throw new MemoryFault(a, write, fetch, false, false);
        int ps = owner.perm[s];
        if ((ps & need) != need) throw new MemoryFault(a, write, fetch, false, true);
        int t = (int) pn & (TLB_SIZE - 1);
        tlbTag[t] = pn;
        tlbData[t] = owner.data[s];
        tlbPerm[t] = ps;
        return owner.data[s];
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
        if ((x0 | x1) != 0) codeChanged();
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
        if (code) codeChanged();
    }

    private static void checkRange(long addr, long len) {
        if (len <= 0) throw new IllegalArgumentException("length " + len);
        if (!canonical(addr) || !canonical(addr + len - 1) || (addr < 0) != (addr + len - 1 < 0))
            throw new IllegalArgumentException(String.format("range 0x%x+0x%x is not canonical", addr, len));
    }

    /** Executable bytes may have changed: advance the code version of every linked space. */
    private void codeChanged() {
        if (kernelHalf != null) {
            kernelHalf.codeChanged();
            return;
        }
        codeVersion++;
        for (Memory m : sharers) m.codeVersion++;
    }

    /** Pages were mapped, unmapped or re-protected: process spaces may cache kernel pages too. */
    private void shapeChanged() {
        flushTlb();
        for (Memory m : sharers) m.flushTlb();
    }

    private void flushTlb() {
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
