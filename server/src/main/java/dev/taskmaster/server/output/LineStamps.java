package dev.taskmaster.server.output;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * {@code logfile_timestamps}: the UTC time a line's first byte was read, before every line, e.g.
 * {@code 2026-11-05T12:03:01.123Z }. Remembers whether the next byte starts a line, across
 * writes and rotations (a line cut in two gets no second timestamp), and can say how many input
 * bytes a part of stamped output holds (a write that failed part-way).
 *
 * <p>Threading: owned by one {@link RotatingLogFile}, used under its lock. The buffer
 * {@link #stamp} returns is reused by its next call.
 */
final class LineStamps {

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z' ")
            .withZone(ZoneOffset.UTC);

    /** Whether the next byte starts a line. */
    boolean atLineStart = true;
    private int stampLength;
    private byte[] scratch = new byte[0];
    private byte[] stamped = new byte[0];

    /** The bytes with a timestamp before each line start; one time for the whole batch (it was read at once). */
    ByteBuffer stamp(ByteBuffer in) {
        int n = in.remaining();
        if (scratch.length < n) {
            scratch = new byte[n];
        }
        in.get(scratch, 0, n);
        int lines = 0;
        for (int i = 0; i < n; i++) {
            if (scratch[i] == '\n') {
                lines++;
            }
        }
        byte[] prefix = STAMP.format(Instant.now()).getBytes(StandardCharsets.US_ASCII);
        stampLength = prefix.length;
        int need = n + (lines + 1) * prefix.length;
        if (stamped.length < need) {
            stamped = new byte[need];
        }
        int o = 0;
        for (int i = 0; i < n; ) {
            if (atLineStart) {
                System.arraycopy(prefix, 0, stamped, o, prefix.length);
                o += prefix.length;
                atLineStart = false;
            }
            int j = i;
            while (j < n && scratch[j] != '\n') {
                j++;
            }
            int end = j < n ? j + 1 : n;
            System.arraycopy(scratch, i, stamped, o, end - i);
            o += end - i;
            atLineStart = j < n;
            i = end;
        }
        return ByteBuffer.wrap(stamped, 0, o);
    }

    /**
     * Input bytes among the first {@code n} bytes of {@code b}, which {@link #stamp} made from a
     * batch that began at a line start if {@code beganAtLineStart}: its timestamps taken out.
     */
    int inputBytes(ByteBuffer b, int from, int n, boolean beganAtLineStart) {
        int input = 0;
        boolean lineStart = beganAtLineStart;
        for (int i = 0; i < n; ) {
            if (lineStart) {
                i += stampLength; // a timestamp partly written holds no byte of the input
                lineStart = false;
                continue;
            }
            lineStart = b.get(from + i) == '\n';
            input++;
            i++;
        }
        return input;
    }
}
