package dev.taskmaster.server.output;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The raw bytes (no timestamp) of the line a log file ends inside, kept so that a write that
 * fails can cut that line back out of the file and give it back to its writer whole: pipes
 * deliver lines in arbitrary pieces, so the start of a line is usually in an earlier write than
 * its end. Kept only while it is the whole line, one writer's, and at most {@link #LIMIT} bytes.
 *
 * <p>Threading: owned by one {@link RotatingLogFile}, used under its lock.
 */
final class UnfinishedLine {

    static final int LIMIT = 64 * 1024;

    private byte[] bytes = new byte[256];
    private int length;
    /** Whether {@link #bytes} holds the whole unfinished line, all of it {@link #writer}'s. */
    private boolean whole = true;
    private Object writer;

    /**
     * After a write of {@code raw[from, to)} by {@code writer} went through: the line it leaves
     * unfinished. {@code splitSinceLineStart}: that line began in an earlier file.
     */
    void wrote(ByteBuffer raw, int from, int to, Object writer, boolean splitSinceLineStart) {
        int nl = Newlines.last(raw, from, to);
        int start = nl >= 0 ? nl + 1 : from;
        if (nl >= 0) {
            atLineStart();
        }
        int n = to - start;
        if (n == 0 || !whole) {
            return;
        }
        if (splitSinceLineStart || (length > 0 && this.writer != writer) || length + n > LIMIT) {
            unknown();
            return;
        }
        if (bytes.length < length + n) {
            bytes = Arrays.copyOf(bytes, Math.min(LIMIT, Math.max(length + n, bytes.length * 2)));
        }
        raw.get(start, bytes, length, n);
        length += n;
        this.writer = writer;
    }

    /** The file is at a line start: nothing is unfinished. */
    void atLineStart() {
        length = 0;
        whole = true;
    }

    /** The file ends inside a line whose bytes are not known here. */
    void unknown() {
        length = 0;
        whole = false;
    }

    /** Whether the line, continued by {@code writer}, is all known and all its own: it can be taken back. */
    boolean wholeFor(Object writer) {
        return whole && (length == 0 || this.writer == writer);
    }

    /** Its bytes, given back; the file is then at a line start. */
    byte[] take() {
        byte[] taken = Arrays.copyOf(bytes, length);
        atLineStart();
        return taken;
    }
}
