package dev.taskmaster.cli;

import com.google.protobuf.ByteString;
import java.util.OptionalLong;

/**
 * The end of a byte stream the daemon keeps (a process's output, the daemon's log), read by
 * offset: the last N bytes, or enough of the end to hold the last N lines. The daemon may answer
 * with fewer bytes than asked, so this reads backwards piece by piece.
 */
final class ByteTail {

    /** What the daemon returns for one read: bytes from {@code offset}, and where to go on. */
    record Piece(ByteString data, long offset, long nextOffset, long bytesLost) {}

    /** One read: from {@code offset} (empty: the last {@code maxBytes}), at most {@code maxBytes}. */
    @FunctionalInterface
    interface Reader {
        Piece read(OptionalLong offset, long maxBytes);
    }

    /** The end that was read, and the offset from which to follow what comes next. */
    record End(ByteString data, long nextOffset) {}

    /** Each backwards step reads this much; the daemon's default piece. */
    static final long STEP = 64 * 1024;
    /** Looking for lines, stop going back after this much: a huge line is shown cut, not fetched whole. */
    static final long MOST_FOR_LINES = 4L * 1024 * 1024;

    private ByteTail() {}

    /** The last {@code bytes} bytes (fewer if fewer are kept). */
    static End lastBytes(Reader reader, long bytes) {
        return back(reader, bytes, Long.MAX_VALUE);
    }

    /** The last {@code lines} lines (a line is ended by '\n'; an unfinished last line counts as one). */
    static End lastLines(Reader reader, int lines) {
        if (lines == 0) {
            Piece p = reader.read(OptionalLong.empty(), 1);
            return new End(ByteString.EMPTY, p.nextOffset());
        }
        End end = back(reader, MOST_FOR_LINES, lines);
        return new End(keepLastLines(end.data(), lines), end.nextOffset());
    }

    /**
     * Reads backwards from the end until {@code limit} bytes or {@code lines + 1} line breaks
     * (so that the first of the last {@code lines} lines is whole) are held, or nothing older is kept.
     */
    private static End back(Reader reader, long limit, long lines) {
        Piece last = reader.read(OptionalLong.empty(), Math.min(limit, STEP));
        ByteString data = last.data();
        long start = last.offset();
        long next = last.nextOffset();
        while (data.size() < limit && start > 0 && newlines(data) <= lines) {
            long want = Math.min(Math.min(STEP, limit - data.size()), start);
            Range earlier = range(reader, start - want, start);
            if (earlier.data().isEmpty() || earlier.start() + earlier.data().size() != start) {
                break; // nothing older is kept (or not next to what we hold: never glue such bytes)
            }
            data = earlier.data().concat(data);
            boolean olderLost = earlier.start() > start - want;
            start = earlier.start();
            if (olderLost) {
                break;
            }
        }
        return new End(data, next);
    }

    /** Kept bytes of [from, to): all of them, or the end of the range when its start is no longer kept. */
    private record Range(ByteString data, long start) {}

    /** Reads [from, to) forwards, piece after piece: the daemon may answer fewer bytes than asked. */
    private static Range range(Reader reader, long from, long to) {
        ByteString got = ByteString.EMPTY;
        long gotStart = from;
        long at = from;
        while (at < to) {
            Piece p = reader.read(OptionalLong.of(at), to - at);
            if (p.data().isEmpty() || p.offset() >= to) {
                break;
            }
            ByteString part = p.data().substring(0, (int) Math.min(p.data().size(), to - p.offset()));
            if (p.offset() != at) {
                got = part; // what came before was lost in between: keep only what follows the gap
                gotStart = p.offset();
            } else {
                got = got.concat(part);
            }
            at = p.offset() + part.size();
        }
        return new Range(got, gotStart);
    }

    private static int newlines(ByteString data) {
        int n = 0;
        for (int i = 0; i < data.size(); i++) {
            if (data.byteAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    /** The last {@code lines} lines of {@code data}. */
    static ByteString keepLastLines(ByteString data, int lines) {
        int end = data.size();
        // A final line break ends the last line; it does not start another.
        int i = end > 0 && data.byteAt(end - 1) == '\n' ? end - 1 : end;
        int found = 0;
        while (i > 0) {
            if (data.byteAt(i - 1) == '\n' && ++found == lines) {
                return data.substring(i);
            }
            i--;
        }
        return data;
    }
}
