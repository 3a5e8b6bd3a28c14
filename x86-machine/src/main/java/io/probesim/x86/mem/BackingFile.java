package io.probesim.x86.mem;

import java.util.Arrays;

/**
 * The page cache of one file: its bytes in page-sized arrays that every private mapping of the
 * file ({@link Memory#mapFile}) shares until it writes a page (then that space copies it). So
 * two processes running the same executable share its text, and a breakpoint written into one
 * of them (uprobes) leaves the other and the file unchanged. Pages past the end of the file read
 * as zeros, as a mapping's tail does.
 */
public final class BackingFile {

    private final String name;
    private final long length;
    private byte[][] pages;

    public BackingFile(String name, byte[] contents) {
        this.name = name;
        this.length = contents.length;
        int n = (int) ((contents.length + Memory.PAGE_MASK) >>> Memory.PAGE_SHIFT);
        this.pages = new byte[Math.max(n, 1)][];
        for (int i = 0; i < n; i++) {
            int from = i << Memory.PAGE_SHIFT;
            pages[i] = Arrays.copyOf(Arrays.copyOfRange(contents, from, Math.min(contents.length, from + Memory.PAGE_SIZE)), Memory.PAGE_SIZE);
        }
    }

    public String name() { return name; }

    public long length() { return length; }

    /** The file's bytes [offset, offset+n) as the page cache holds them. */
    public byte[] read(long offset, int n) {
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            long at = offset + i;
            byte[] p = page(at >>> Memory.PAGE_SHIFT);
            out[i] = p[(int) (at & Memory.PAGE_MASK)];
        }
        return out;
    }

    /** The cached page with this index (created zero-filled past the end); mappings share the array. */
    byte[] page(long index) {
        if (index < 0 || index > Integer.MAX_VALUE / 2) throw new IllegalArgumentException("page " + index + " of " + name);
        int i = (int) index;
        if (i >= pages.length) pages = Arrays.copyOf(pages, i + 1);
        if (pages[i] == null) pages[i] = new byte[Memory.PAGE_SIZE];
        return pages[i];
    }

    @Override
    public String toString() {
        return name;
    }
}
