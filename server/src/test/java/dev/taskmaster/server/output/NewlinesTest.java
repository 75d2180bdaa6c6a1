package dev.taskmaster.server.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The eight-bytes-at-a-time scanner against a byte-by-byte one, on every kind of buffer the daemon hands it. */
class NewlinesTest {

    private static int naiveCount(ByteBuffer b, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            n += b.get(i) == '\n' ? 1 : 0;
        }
        return n;
    }

    private static int naiveFirst(ByteBuffer b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int naiveLast(ByteBuffer b, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (b.get(i) == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Bytes that defeat a sloppy zero-byte test: neighbours of '\n' (0x0a) and of its high-bit twin 0x8a, and 0x0b after a 0x0a (a carry). */
    private static byte[] tricky(Random r, int n, int newlineOdds) {
        byte[] near = {0x0a, 0x0b, 0x09, (byte) 0x8a, (byte) 0x8b, 0x00, (byte) 0xff, 0x7f, (byte) 0x80, 'x'};
        byte[] out = new byte[n];
        for (int i = 0; i < n; i++) {
            out[i] = r.nextInt(newlineOdds) == 0 ? (byte) '\n' : near[1 + r.nextInt(near.length - 1)];
        }
        return out;
    }

    private static void checkAll(ByteBuffer b, Random r) {
        int cap = b.capacity();
        for (int k = 0; k < 40; k++) {
            int from = r.nextInt(cap + 1);
            int to = from + r.nextInt(cap - from + 1);
            assertThat(Newlines.count(b, from, to)).as("count [%d, %d)", from, to).isEqualTo(naiveCount(b, from, to));
            assertThat(Newlines.first(b, from, to)).as("first [%d, %d)", from, to).isEqualTo(naiveFirst(b, from, to));
            assertThat(Newlines.last(b, from, to)).as("last [%d, %d)", from, to).isEqualTo(naiveLast(b, from, to));
        }
        assertThat(Newlines.count(b, 0, cap)).isEqualTo(naiveCount(b, 0, cap));
        // positions, through a small array that fills up many times
        int[] out = new int[1 + r.nextInt(7)];
        int at = 0;
        java.util.List<Integer> got = new java.util.ArrayList<>();
        while (true) {
            int n = Newlines.positions(b, at, cap, out);
            for (int k = 0; k < n; k++) {
                got.add(out[k]);
            }
            if (n < out.length) {
                break;
            }
            at = out[n - 1] + 1;
        }
        java.util.List<Integer> want = new java.util.ArrayList<>();
        for (int i = 0; i < cap; i++) {
            if (b.get(i) == '\n') {
                want.add(i);
            }
        }
        assertThat(got).isEqualTo(want);
    }

    @Test
    void agreesWithAByteByByteScanOnHeapDirectSlicedAndSegmentBuffers() {
        Random r = new Random(17);
        for (int round = 0; round < 300; round++) {
            int n = r.nextInt(round < 150 ? 64 : 20_000);
            int odds = 1 + r.nextInt(round % 3 == 0 ? 3 : 200);
            byte[] data = tricky(r, n, odds);
            checkAll(ByteBuffer.wrap(data), r);
            ByteBuffer direct = ByteBuffer.allocateDirect(n).put(data).flip();
            checkAll(direct, r);
            // A slice whose index 0 is not the array's: indexes are the slice's own.
            if (n > 3) {
                checkAll(ByteBuffer.wrap(data).slice(3, n - 3), r);
                checkAll(ByteBuffer.wrap(data).asReadOnlyBuffer(), r);
            }
            // What the output pump hands over: a slice of its native read buffer.
            MemorySegment seg = Arena.ofAuto().allocate(Math.max(1, n));
            MemorySegment.copy(MemorySegment.ofArray(data), 0, seg, 0, n);
            checkAll(seg.asSlice(0, n).asByteBuffer(), r);
        }
    }

    @Test
    void findsTheNewlineInEveryPositionOfALong() {
        for (int size = 1; size <= 40; size++) {
            for (int at = 0; at < size; at++) {
                byte[] data = new byte[size];
                java.util.Arrays.fill(data, (byte) 0x8a); // '\n' with the high bit set: must not count
                data[at] = '\n';
                ByteBuffer b = ByteBuffer.wrap(data);
                assertThat(Newlines.count(b, 0, size)).isEqualTo(1);
                assertThat(Newlines.first(b, 0, size)).isEqualTo(at);
                assertThat(Newlines.last(b, 0, size)).isEqualTo(at);
                assertThat(Newlines.first(b, Math.min(size, at + 1), size)).isEqualTo(-1);
                assertThat(Newlines.last(b, 0, at)).isEqualTo(-1);
            }
        }
    }

    @Test
    void countsAllNewlinesOfALargeBatchPastTheLaneLimit() {
        // More than 255 longs of newlines only: each per-byte lane is gathered before it overflows.
        byte[] data = new byte[256 * 1024 + 5];
        java.util.Arrays.fill(data, (byte) '\n');
        assertThat(Newlines.count(ByteBuffer.wrap(data), 0, data.length)).isEqualTo(data.length);
        assertThat(Newlines.count(ByteBuffer.allocateDirect(data.length).put(data).flip(), 1, data.length)).isEqualTo(data.length - 1);
    }
}
