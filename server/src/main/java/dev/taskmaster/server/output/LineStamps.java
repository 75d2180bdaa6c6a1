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
    /** Newline indexes of the batch being stamped, found a chunk at a time; made on first use (most logs have no stamps). */
    private int[] newlines;
    private byte[] stamped = new byte[0];
    /** The batch being stamped, copied out of the pump's buffer. */
    private byte[] raw = new byte[0];

    /**
     * The bytes with a timestamp before each line start; one time for the whole batch (it was read
     * at once). The batch is copied once into a heap array, its newlines are found a few hundred
     * at a time ({@link Newlines#positions}), and the lines between them copied whole with
     * {@code System.arraycopy} (a bulk get from the pump's native buffer per line cost several
     * times more under C1): no loop here looks at each byte.
     */
    ByteBuffer stamp(ByteBuffer in) {
        int n = in.remaining();
        if (raw.length < n) {
            raw = new byte[n];
        }
        in.get(raw, 0, n); // consumes the input
        ByteBuffer b = ByteBuffer.wrap(raw, 0, n);
        int lines = Newlines.count(b, 0, n);
        byte[] prefix = STAMP.format(Instant.now()).getBytes(StandardCharsets.US_ASCII);
        stampLength = prefix.length;
        int need = n + (lines + 1) * prefix.length;
        if (stamped.length < need) {
            stamped = new byte[need];
        }
        if (newlines == null) {
            newlines = new int[512];
        }
        int o = 0;
        int i = 0;
        while (i < n) {
            int found = Newlines.positions(b, i, n, newlines);
            for (int k = 0; k <= found; k++) {
                int end = k < found ? newlines[k] + 1 : n; // after the last newline found: the rest, for now
                if (k == found && found == newlines.length) {
                    break; // the array filled up: look for more newlines from here
                }
                if (end == i) {
                    continue;
                }
                if (atLineStart) {
                    System.arraycopy(prefix, 0, stamped, o, prefix.length);
                    o += prefix.length;
                }
                System.arraycopy(raw, i, stamped, o, end - i);
                o += end - i;
                atLineStart = k < found;
                i = end;
            }
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
