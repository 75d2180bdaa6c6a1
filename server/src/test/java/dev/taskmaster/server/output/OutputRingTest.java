package dev.taskmaster.server.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputRingTest {

    private static void put(OutputRing r, StdStream s, String text) {
        r.append(s, ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String text(List<OutputRing.Piece> pieces) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        pieces.forEach(p -> out.writeBytes(p.data()));
        return out.toString(StandardCharsets.US_ASCII);
    }

    @Test
    void threeOffsetSpaces() {
        OutputRing r = new OutputRing(1024);
        put(r, StdStream.STDOUT, "out1 ");
        put(r, StdStream.STDERR, "err1 ");
        put(r, StdStream.STDOUT, "out2 ");
        assertThat(r.end(OffsetSpace.COMBINED)).isEqualTo(15);
        assertThat(r.end(OffsetSpace.STDOUT)).isEqualTo(10);
        assertThat(r.end(OffsetSpace.STDERR)).isEqualTo(5);
        assertThat(text(r.read(OffsetSpace.COMBINED, 0, 100))).isEqualTo("out1 err1 out2 ");
        assertThat(text(r.read(OffsetSpace.STDOUT, 0, 100))).isEqualTo("out1 out2 ");
        assertThat(text(r.read(OffsetSpace.STDERR, 0, 100))).isEqualTo("err1 ");
        List<OutputRing.Piece> combined = r.read(OffsetSpace.COMBINED, 3, 100);
        assertThat(combined).extracting(OutputRing.Piece::stream, OutputRing.Piece::offset)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(StdStream.STDOUT, 3L),
                        org.assertj.core.groups.Tuple.tuple(StdStream.STDERR, 5L),
                        org.assertj.core.groups.Tuple.tuple(StdStream.STDOUT, 10L));
        assertThat(r.read(OffsetSpace.STDOUT, 7, 2)).singleElement()
                .satisfies(p -> assertThat(p.offset()).isEqualTo(7));
        assertThat(text(r.read(OffsetSpace.STDOUT, 7, 2))).isEqualTo("t2");
    }

    @Test
    void oldBytesGoOffsetsStay() {
        OutputRing r = new OutputRing(10);
        put(r, StdStream.STDOUT, "0123456789");
        put(r, StdStream.STDOUT, "abcdef");
        assertThat(r.start(OffsetSpace.COMBINED)).isEqualTo(6);
        assertThat(r.end(OffsetSpace.COMBINED)).isEqualTo(16);
        assertThat(text(r.read(OffsetSpace.COMBINED, 0, 100))).isEqualTo("6789abcdef");
        assertThat(r.read(OffsetSpace.COMBINED, 0, 100).getFirst().offset()).isEqualTo(6);
        // One write larger than the ring keeps its last bytes.
        put(r, StdStream.STDERR, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        assertThat(r.end(OffsetSpace.STDERR)).isEqualTo(26);
        assertThat(r.start(OffsetSpace.STDERR)).isEqualTo(16);
        assertThat(r.start(OffsetSpace.STDOUT)).isEqualTo(16); // nothing of stdout is held
        assertThat(text(r.read(OffsetSpace.STDERR, 0, 100))).isEqualTo("QRSTUVWXYZ");
    }

    @Test
    void wrapsAroundManyTimes() {
        OutputRing r = new OutputRing(64);
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            String s = i + ",";
            all.append(s);
            put(r, i % 3 == 0 ? StdStream.STDERR : StdStream.STDOUT, s);
        }
        long end = r.end(OffsetSpace.COMBINED);
        assertThat(end).isEqualTo(all.length());
        assertThat(text(r.read(OffsetSpace.COMBINED, end - 64, 64))).isEqualTo(all.substring(all.length() - 64));
    }

    @Test
    void clearKeepsOffsetsAndResizeKeepsTheNewestBytes() {
        OutputRing r = new OutputRing(100);
        put(r, StdStream.STDOUT, "hello world");
        r.clear();
        assertThat(r.read(OffsetSpace.COMBINED, 0, 100)).isEmpty();
        assertThat(r.start(OffsetSpace.STDOUT)).isEqualTo(11);
        put(r, StdStream.STDOUT, "0123456789");
        r.resize(4);
        assertThat(text(r.read(OffsetSpace.STDOUT, 0, 100))).isEqualTo("6789");
        assertThat(r.start(OffsetSpace.STDOUT)).isEqualTo(17);
        put(r, StdStream.STDOUT, "ab");
        assertThat(text(r.read(OffsetSpace.STDOUT, 0, 100))).isEqualTo("89ab");
    }

    @Test
    void memoryGrowsWithWhatIsHeldNotWithTheCapacity() {
        OutputRing r = new OutputRing(1 << 20);
        assertThat(r.allocated()).isEqualTo(OutputRing.INITIAL_BYTES);
        put(r, StdStream.STDOUT, "hello\n");
        assertThat(r.allocated()).as("a quiet program's ring stays small").isEqualTo(OutputRing.INITIAL_BYTES);

        // Grow through several doublings, wrapping around before each, and check every byte.
        StringBuilder all = new StringBuilder("hello\n");
        for (int i = 0; all.length() < 3 << 20; i++) {
            String line = "line " + i + " " + "x".repeat(i % 97) + "\n";
            put(r, i % 1000 == 0 ? StdStream.STDERR : StdStream.STDOUT, line); // few segments: the index bound is not what is tested
            all.append(line);
            if (i % 5000 == 0) {
                long start = r.start(OffsetSpace.COMBINED);
                assertThat(text(r.read(OffsetSpace.COMBINED, start, Integer.MAX_VALUE)))
                        .isEqualTo(all.substring((int) start));
                assertThat(r.allocated()).isLessThanOrEqualTo(1 << 20);
            }
        }
        assertThat(r.allocated()).isEqualTo(1 << 20);
        long start = r.start(OffsetSpace.COMBINED);
        assertThat(all.length() - start).isEqualTo(1 << 20);
        assertThat(text(r.read(OffsetSpace.COMBINED, start, Integer.MAX_VALUE))).isEqualTo(all.substring((int) start));

        r.resize(8192);
        assertThat(r.allocated()).isEqualTo(8192);
        assertThat(text(r.read(OffsetSpace.COMBINED, 0, Integer.MAX_VALUE))).isEqualTo(all.substring(all.length() - 8192));
    }
}
