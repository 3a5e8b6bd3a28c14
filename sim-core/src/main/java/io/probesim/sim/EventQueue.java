package io.probesim.sim;

import java.util.NoSuchElementException;

/**
 * Priority queue of timed payloads ordered by (time, insertion seq): a binary min-heap over
 * parallel primitive arrays, so a push or pop allocates nothing beyond the caller's payload
 * (the arrays grow by doubling, amortized away). Equal times pop in insertion order, which is
 * what makes event order independent of heap internals.
 */
public final class EventQueue {
    private long[] time;
    private long[] seq;
    private Object[] payload;
    private int size;
    private long nextSeq;

    public EventQueue() {
        this(64);
    }

    public EventQueue(int capacity) {
        int c = Math.max(capacity, 4);
        time = new long[c];
        seq = new long[c];
        payload = new Object[c];
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Adds a payload at time t; later pushes at the same time pop later. */
    public void push(long t, Object p) {
        if (size + 1 >= time.length) { // keep one spare slot for siftDown's sentinel
            grow();
        }
        long s = nextSeq++;
        int i = size++;
        // sift up: move parents down until the slot fits
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(t, s, time[parent], seq[parent])) {
                break;
            }
            time[i] = time[parent];
            seq[i] = seq[parent];
            payload[i] = payload[parent];
            i = parent;
        }
        time[i] = t;
        seq[i] = s;
        payload[i] = p;
    }

    /** Time of the earliest entry; the queue must not be empty. */
    public long peekTime() {
        if (size == 0) {
            throw new NoSuchElementException("event queue is empty");
        }
        return time[0];
    }

    /** Removes and returns the earliest payload (by time, then insertion order). */
    public Object pop() {
        if (size == 0) {
            throw new NoSuchElementException("event queue is empty");
        }
        Object result = payload[0];
        int last = --size;
        long t = time[last];
        long s = seq[last];
        Object p = payload[last];
        payload[last] = null; // let the payload be collected
        if (last > 0) {
            siftDown(t, s, p, last);
        }
        return result;
    }

    public void clear() {
        java.util.Arrays.fill(payload, 0, size, null);
        size = 0;
    }

    /**
     * Floyd's bottom-up variant: walk the hole from the root to a leaf along the smaller child
     * (one comparison per level instead of two), then sift the displaced last entry up from
     * there; it came from the bottom, so it rarely climbs far. The child choice is written
     * without short-circuits so the JIT can use a conditional move: with event times the
     * branch is a coin flip and mispredictions would dominate.
     */
    private void siftDown(long t, long s, Object p, int n) {
        long[] tm = time;
        long[] sq = seq;
        Object[] pl = payload;
        // Sentinel right child of the last inner node (slot n is free: it held the entry being
        // re-placed), so the loop needs no bounds test. Never smaller than a real entry.
        tm[n] = Long.MAX_VALUE;
        sq[n] = Long.MAX_VALUE;
        int i = 0;
        int child;
        while ((child = 2 * i + 1) < n) {
            int right = child + 1;
            long tl = tm[child];
            long tr = tm[right];
            boolean takeRight = tr < tl | (tr == tl & sq[right] < sq[child]);
            child += takeRight ? 1 : 0;
            tm[i] = tm[child];
            sq[i] = sq[child];
            pl[i] = pl[child];
            i = child;
        }
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!less(t, s, tm[parent], sq[parent])) {
                break;
            }
            tm[i] = tm[parent];
            sq[i] = sq[parent];
            pl[i] = pl[parent];
            i = parent;
        }
        tm[i] = t;
        sq[i] = s;
        pl[i] = p;
    }

    private static boolean less(long t1, long s1, long t2, long s2) {
        return t1 < t2 || (t1 == t2 && s1 < s2);
    }

    private void grow() {
        int c = time.length * 2;
        time = java.util.Arrays.copyOf(time, c);
        seq = java.util.Arrays.copyOf(seq, c);
        payload = java.util.Arrays.copyOf(payload, c);
    }
}
