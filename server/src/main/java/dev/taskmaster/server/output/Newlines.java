package dev.taskmaster.server.output;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Finds and counts newlines in captured output eight bytes at a time. Every batch the pump
 * reads (up to 256 KiB) is scanned for its lines (the {@code lines read} metric, rotation on
 * line boundaries, the unfinished line), and the daemon runs on C1 only: a loop of
 * {@code ByteBuffer.get(i)} on the pump's native buffer cost ~9 CPU-s per GiB there, through
 * calls the compiler did not inline (the segment's session check, once per byte). Here the
 * bytes are copied in bulk (a few KiB at a time) into a long array, and each long is tested with
 * a few arithmetic operations that mark its newline bytes exactly (no false positive: the
 * classic "has a zero byte" test with the carry kept out of the high bit).
 *
 * <p>Threading: any thread; the scratch array is per thread.
 */
final class Newlines {

    /** Longs copied at a time: 4 KiB, small enough to stay in the first-level cache. */
    private static final int SCRATCH_LONGS = 512;
    /** A backward search starts with this many longs: a line ends within the last few dozen bytes of most batches. */
    private static final int FIRST_BACKWARD_LONGS = 16;
    private static final ThreadLocal<long[]> SCRATCH = ThreadLocal.withInitial(() -> new long[SCRATCH_LONGS]);
    /** Where {@link #first} has {@link #positions} put the one index it asks for. */
    private static final ThreadLocal<int[]> FIRST = ThreadLocal.withInitial(() -> new int[1]);
    /** Little-endian whatever the machine: byte i of a chunk is bits 8i..8i+7 of its long. */
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long NEWLINES = ONES * '\n';
    private static final long LOW7 = 0x7f7f7f7f7f7f7f7fL;

    private Newlines() {
    }

    /** The high bit of every byte of {@code x} that is a newline, and no other bit. */
    static long marks(long x) {
        long t = x ^ NEWLINES; // a newline byte becomes 0
        // (t & LOW7) + LOW7 sets the high bit of each byte whose low 7 bits are not all 0, without carrying across bytes.
        return ~(((t & LOW7) + LOW7) | t | LOW7);
    }

    /** Newlines among {@code b[from, to)} (absolute indexes; the buffer's position is not used nor moved). */
    static int count(ByteBuffer b, int from, int to) {
        MemorySegment seg = MemorySegment.ofBuffer(b.duplicate().clear());
        long[] s = SCRATCH.get();
        int count = 0;
        long at = from;
        int longs = (to - from) >>> 3;
        while (longs > 0) {
            int k = Math.min(longs, s.length);
            MemorySegment.copy(seg, LONG, at, s, 0, k);
            count += newlinesIn(s, k);
            at += 8L * k;
            longs -= k;
        }
        for (int i = (int) at; i < to; i++) {
            if (b.get(i) == '\n') {
                count++;
            }
        }
        return count;
    }

    /**
     * Newlines in the first {@code k} (≤ {@link #SCRATCH_LONGS}) longs of {@code s}. Per long: the
     * high bit of each byte of {@code y} is 0 exactly where the byte is a newline, and those bits
     * are summed per byte lane (a lane counts to at most 255, so the lanes are gathered every
     * 255 longs); the few operations per long matter under C1, which does not vectorise.
     */
    private static int newlinesIn(long[] s, int k) {
        int others = 0;
        for (int base = 0; base < k; base += 255) {
            int end = Math.min(k, base + 255);
            long lanes = 0;
            int i = base;
            for (; i + 4 <= end; i += 4) { // unrolled by hand: C1 does not, and its loop overhead is per iteration
                long t0 = s[i] ^ NEWLINES;
                long t1 = s[i + 1] ^ NEWLINES;
                long t2 = s[i + 2] ^ NEWLINES;
                long t3 = s[i + 3] ^ NEWLINES;
                long y0 = ((t0 & LOW7) + LOW7) | t0;
                long y1 = ((t1 & LOW7) + LOW7) | t1;
                long y2 = ((t2 & LOW7) + LOW7) | t2;
                long y3 = ((t3 & LOW7) + LOW7) | t3;
                lanes += ((y0 >>> 7) & ONES) + ((y1 >>> 7) & ONES) + ((y2 >>> 7) & ONES) + ((y3 >>> 7) & ONES);
            }
            for (; i < end; i++) {
                long t = s[i] ^ NEWLINES;
                long y = ((t & LOW7) + LOW7) | t;
                lanes += (y >>> 7) & ONES;
            }
            long pairs = (lanes & 0x00ff00ff00ff00ffL) + ((lanes >>> 8) & 0x00ff00ff00ff00ffL); // four 16-bit lanes
            others += (int) ((pairs * 0x0001000100010001L) >>> 48);
        }
        return 8 * k - others;
    }

    /** Index of the first newline in {@code b[from, to)}, or -1: {@link #positions} with room for one. */
    static int first(ByteBuffer b, int from, int to) {
        int[] one = FIRST.get();
        return positions(b, from, to, one) == 1 ? one[0] : -1;
    }

    /**
     * The indexes of the newlines in {@code b[from, to)}, in order, into {@code out}: returns how
     * many; when {@code out} fills up, the caller goes on after the last one.
     */
    static int positions(ByteBuffer b, int from, int to, int[] out) {
        MemorySegment seg = MemorySegment.ofBuffer(b.duplicate().clear());
        long[] s = SCRATCH.get();
        int found = 0;
        int at = from;
        while (to - at >= 8) {
            int k = Math.min((to - at) >>> 3, s.length);
            MemorySegment.copy(seg, LONG, at, s, 0, k);
            for (int i = 0; i < k; i++) {
                long m = marks(s[i]);
                while (m != 0) {
                    out[found++] = at + 8 * i + (Long.numberOfTrailingZeros(m) >>> 3);
                    if (found == out.length) {
                        return found;
                    }
                    m &= m - 1;
                }
            }
            at += 8 * k;
        }
        for (int i = at; i < to && found < out.length; i++) {
            if (b.get(i) == '\n') {
                out[found++] = i;
            }
        }
        return found;
    }

    /** Index of the last newline in {@code b[from, to)}, or -1. */
    static int last(ByteBuffer b, int from, int to) {
        for (int i = to - 1; i >= from && i >= to - ((to - from) & 7); i--) {
            if (b.get(i) == '\n') {
                return i; // the bytes past the last whole long, counting from `from`
            }
        }
        int end = to - ((to - from) & 7);
        if (end - from < 8) {
            return -1;
        }
        MemorySegment seg = MemorySegment.ofBuffer(b.duplicate().clear());
        long[] s = SCRATCH.get();
        int chunk = FIRST_BACKWARD_LONGS;
        while (end > from) {
            int k = Math.min(Math.min((end - from) >>> 3, s.length), chunk);
            int start = end - 8 * k;
            MemorySegment.copy(seg, LONG, start, s, 0, k);
            for (int i = k - 1; i >= 0; i--) {
                long m = marks(s[i]);
                if (m != 0) {
                    return start + 8 * i + ((63 - Long.numberOfLeadingZeros(m)) >>> 3);
                }
            }
            end = start;
            chunk = s.length;
        }
        return -1;
    }
}
