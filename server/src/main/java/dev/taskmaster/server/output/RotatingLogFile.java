package dev.taskmaster.server.output;

import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.server.os.FileModes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

/**
 * A log file of captured output with size rotation on line boundaries.
 *
 * <p>Rotation: before a line that would make the file larger than {@code maxBytes}, the file is
 * renamed to {@code file.1} (older backups shift up, the one beyond {@code backups} is
 * deleted; with 0 backups the file is simply started again) and a new file begins with that
 * line. Lines are never split, with one exception: a line longer than {@code maxBytes} is cut
 * after {@code maxBytes} bytes and the file ends with {@link #SPLIT_MARK}; the rest of the line
 * starts the next file. When a line arrives in pieces and the limit is crossed in its middle,
 * the line is finished in the current file first, so a file can exceed the limit by less than
 * one line. Concatenating the backups (oldest first) and the file gives back every byte, in
 * order, with only the split marks added.
 *
 * <p>Timestamps (optional, {@link LineStamps}): every line starts with the UTC time its first byte
 * was read, {@code 2026-11-05T12:03:01.123Z }.
 *
 * <p>A deleted, moved or replaced file is noticed before each write (one {@code stat} of the
 * path, compared with the open file's device and inode) and opened again by name, so output
 * never goes into a file nobody can see. Checked per write rather than on a timer or with
 * inotify: a write batch is up to 256 KiB, next to which a stat costs little, and the window in
 * which bytes could go astray shrinks to the stat-to-write gap. {@link #reopen} (SIGUSR2) does
 * the same on request, for logrotate's postrotate scripts.
 *
 * <p>Permissions: every file this class creates gets exactly {@link Settings#permissions}; an
 * existing file this user owns loses any permission beyond them each time it is opened (start,
 * reopen, a changed setting), and is never widened ({@link FileModes}). Backups keep the mode of
 * the file they were.
 *
 * <p>A write that fails (a full disk, a quota, an I/O error) leaves whole lines: the unfinished
 * line it was writing is cut back out of the file, and {@link WriteFailed} says exactly which
 * bytes are not in the file: the rest of the input, after what it gave back of the writer's
 * own earlier, unfinished line. The caller holds them back or drops them (its
 * {@code on_log_full}) and, when the file can be written again, puts a {@link #writeMarker
 * marker} at the gap. A line is not cut back when that cannot be done exactly: when it is
 * longer than {@link #CARRY_LIMIT} (its start is no longer in memory), when it mixes bytes of
 * several writers of a shared file, when it began in an earlier file (a split line), or when
 * the truncation itself fails. The file then ends inside that line, and the marker ends it.
 *
 * <p>Threading: thread-safe (one lock). Writes come from the output pump thread (and retry
 * threads of a full disk), {@link #reopen} from the signal thread, {@link #clear} from gRPC
 * threads; a slow disk makes the writer wait, which is how the program is slowed rather than
 * its output dropped.
 */
public final class RotatingLogFile implements AutoCloseable {

    /**
     * How the file is rotated and written.
     *
     * @param permissions the mode of every file this class creates (the log and each new one
     *                    after a rotation); an existing file of ours is tightened to it when opened
     */
    public record Settings(long maxBytes, int backups, boolean timestamps, int permissions) {

        /** With the default permissions, {@code logfile_mode}'s default. */
        public Settings(long maxBytes, int backups, boolean timestamps) {
            this(maxBytes, backups, timestamps, ProgramSpec.DEFAULT_LOGFILE_MODE);
        }
    }

    /** The longest unfinished line a failed write can cut back out of the file ({@link UnfinishedLine}). */
    public static final int CARRY_LIMIT = UnfinishedLine.LIMIT;
    private static final byte[] NONE = new byte[0];

    /** Ends a file whose last line was cut because it is longer than {@code logfile_maxbytes}. */
    public static final String SPLIT_MARK = "\n[taskmaster: line longer than logfile_maxbytes, continued in the next file]\n";
    private static final byte[] SPLIT_MARK_BYTES = SPLIT_MARK.getBytes(StandardCharsets.US_ASCII);

    private final Path path;
    private Settings settings;
    private FileChannel channel;
    private Object fileKey;
    private long size;
    /** Bytes of the current, unfinished line already in this file; 0 at a line start. */
    private long lineLen;
    /** Whether that unfinished line began in an earlier file (a line longer than the limit, split). */
    private boolean lineSplit;
    /** Its raw bytes, while they can be known. */
    private final UnfinishedLine unfinished = new UnfinishedLine();
    private final LineStamps stamps = new LineStamps();
    private boolean closed;

    public RotatingLogFile(Path path, Settings settings) throws IOException {
        this.path = path.toAbsolutePath();
        this.settings = Objects.requireNonNull(settings);
        open();
    }

    public Path path() {
        return path;
    }

    /** New settings; changed permissions apply to the open file at once (opening it again tightens it). */
    public synchronized void settings(Settings next) throws IOException {
        boolean newMode = next.permissions() != settings.permissions();
        this.settings = Objects.requireNonNull(next);
        if (newMode && !closed) {
            reopen();
        }
    }

    public synchronized Settings settings() {
        return settings;
    }

    /** Writes the remaining bytes of {@code bytes} (consuming them), rotating as needed. */
    public void write(ByteBuffer bytes) throws IOException {
        write(bytes, null);
    }

    /**
     * Writes the remaining bytes of {@code bytes} for {@code writer} (one stream of one process),
     * consuming them, rotating as needed.
     *
     * @throws WriteFailed when not every byte went into the file: it says which did, and the file
     *         then ends at a line start (unless {@link WriteFailed#midLine()})
     * @throws IOException when the file is closed (nothing was written)
     */
    public synchronized void write(ByteBuffer bytes, Object writer) throws IOException {
        if (closed) {
            throw new IOException(path + " is closed");
        }
        int rawFrom = bytes.position();
        int rawTo = bytes.limit();
        boolean stampFirst = stamps.atLineStart;
        ByteBuffer b = bytes;
        int from = rawFrom;
        try {
            ensureOpenAndCurrent();
            if (settings.timestamps()) {
                b = stamps.stamp(bytes);
                from = b.position();
            }
            writeLines(b);
        } catch (IOException e) {
            int written = b == bytes ? b.position() - from : stamps.inputBytes(b, from, b.position() - from, stampFirst);
            throw failed(e, bytes, rawFrom, written, stampFirst, writer);
        }
        unfinished.wrote(bytes, rawFrom, rawTo, writer, lineSplit);
    }

    /**
     * Writes {@code line} as a line of its own, without a timestamp, after ending the line the
     * file holds the start of, if any. All or nothing: a marker that cannot be written whole is
     * cut back out of the file.
     */
    public synchronized void writeMarker(String line) throws IOException {
        if (closed) {
            throw new IOException(path + " is closed");
        }
        ensureOpenAndCurrent();
        byte[] marker = ((lineLen > 0 ? "\n" : "") + line + "\n").getBytes(StandardCharsets.UTF_8);
        FileChannel before = channel;
        long sizeBefore = size;
        long lineBefore = lineLen;
        boolean splitBefore = lineSplit;
        try {
            writeLines(ByteBuffer.wrap(marker));
        } catch (IOException e) {
            try {
                if (channel != null && channel == before) {
                    channel.truncate(sizeBefore);
                    size = sizeBefore;
                    lineLen = lineBefore;
                    lineSplit = splitBefore;
                } else if (channel != null) {
                    // The marker began a new file (a rotation) and stopped in it.
                    channel.truncate(0);
                    size = 0;
                    lineLen = 0;
                }
            } catch (IOException ignored) {
                // It stays partly written; the next marker begins by ending that line.
            }
            throw e;
        }
        unfinished.atLineStart();
        stamps.atLineStart = true;
    }

    /**
     * What a failed write leaves: the unfinished line cut back out of the file when it can be
     * exactly, and an account of which bytes are not in the file. {@code written} counts the
     * input bytes that reached the file.
     */
    private WriteFailed failed(IOException cause, ByteBuffer raw, int rawFrom, int written, boolean stampFirst,
            Object writer) {
        int lastNl = lastNewline(raw, rawFrom, rawFrom + written);
        byte[] retracted = NONE;
        boolean midLine = false;
        if (channel != null && lineLen > 0) {
            // The unfinished line is this write's own tail, or an earlier unfinished line of this writer continued.
            boolean exact = !lineSplit && (lastNl >= 0 || unfinished.wholeFor(writer));
            if (exact) {
                try {
                    channel.truncate(size - lineLen);
                    size -= lineLen;
                    lineLen = 0;
                    if (lastNl >= 0) {
                        written = lastNl + 1 - rawFrom;
                    } else {
                        retracted = unfinished.take();
                        written = 0;
                    }
                } catch (IOException e) {
                    exact = false;
                }
            }
            midLine = !exact;
        }
        if (midLine) {
            unfinished.unknown();
        } else {
            unfinished.atLineStart();
        }
        stamps.atLineStart = lineLen == 0 || (written == 0 ? stampFirst : raw.get(rawFrom + written - 1) == '\n');
        raw.position(rawFrom + written);
        return new WriteFailed(cause, written, retracted, midLine);
    }

    private void writeLines(ByteBuffer b) throws IOException {
        long max = settings.maxBytes();
        while (b.hasRemaining()) {
            int pos = b.position();
            int rem = b.remaining();
            if (max <= 0 || size + rem <= max) {
                writeFully(b, rem);
                return;
            }
            if (lineLen > 0) {
                // Finish the line this file already holds the start of, unless it is too long for any file.
                int nl = firstNewline(b, pos, pos + rem);
                int rest = nl >= 0 ? nl + 1 - pos : rem;
                if (lineLen + rest <= max) {
                    writeFully(b, rest);
                } else {
                    writeFully(b, (int) Math.max(0, max - lineLen));
                    split();
                }
                continue;
            }
            long room = max - size;
            int nl = room > 0 ? lastNewline(b, pos, pos + (int) Math.min(room, rem)) : -1;
            if (nl >= 0) {
                writeFully(b, nl + 1 - pos); // whole lines, up to the limit
            } else if (size > 0) {
                rotate(); // the next line does not fit: it starts the next file
            } else {
                // An empty file, and its first line alone is longer than the limit (rem > max here).
                writeFully(b, (int) max);
                split();
            }
        }
    }

    private void split() throws IOException {
        writeFully(ByteBuffer.wrap(SPLIT_MARK_BYTES), SPLIT_MARK_BYTES.length);
        rotate();
        lineSplit = true;
    }

    /**
     * Writes the next {@code n} bytes of {@code b}, consuming them. Whatever reached the file is
     * accounted for (size, the unfinished line) even when it fails part-way.
     */
    private void writeFully(ByteBuffer b, int n) throws IOException {
        int start = b.position();
        ByteBuffer part = b.slice(start, n);
        try {
            while (part.hasRemaining()) {
                channel.write(part);
            }
        } finally {
            int done = part.position();
            if (done > 0) {
                b.position(start + done);
                size += done;
                int nl = lastNewline(b, start, start + done);
                if (nl >= 0) {
                    lineLen = start + done - (nl + 1);
                    lineSplit = false;
                } else {
                    lineLen += done;
                }
            }
        }
    }

    private static int lastNewline(ByteBuffer b, int from, int to) {
        return Newlines.last(b, from, to);
    }

    private static int firstNewline(ByteBuffer b, int from, int to) {
        return Newlines.first(b, from, to);
    }

    private void rotate() throws IOException {
        channel.close();
        channel = null;
        int backups = settings.backups();
        if (backups > 0) {
            Files.deleteIfExists(backup(backups));
            for (int i = backups - 1; i >= 1; i--) {
                Path from = backup(i);
                if (Files.exists(from, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(from, backup(i + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(path, backup(1), StandardCopyOption.REPLACE_EXISTING);
        } else {
            Files.deleteIfExists(path);
        }
        open();
    }

    private Path backup(int n) {
        return path.resolveSibling(path.getFileName() + "." + n);
    }

    private void open() throws IOException {
        // Checked first: createDirectories on an existing directory costs a failed mkdir and two
        // exceptions, and this runs for every log file of every program at start-up.
        if (!Files.isDirectory(path.getParent())) {
            Files.createDirectories(path.getParent());
        }
        channel = FileModes.openAppend(path, settings.permissions());
        size = channel.size();
        // A file we did not write ourselves (re)opened mid-line cannot be known; count it from a line start.
        lineLen = 0;
        lineSplit = false;
        unfinished.atLineStart();
        fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    }

    /** Opens the file again when it was deleted or replaced behind our back (or never opened). */
    private void ensureOpenAndCurrent() throws IOException {
        if (channel == null) {
            open();
            return;
        }
        Object now;
        try {
            now = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            now = null;
        }
        if (!Objects.equals(now, fileKey)) {
            channel.close();
            channel = null;
            open();
        }
    }

    /** Closes and opens the file by its name again (after an external logrotate moved it). */
    public synchronized void reopen() throws IOException {
        if (closed) {
            return;
        }
        if (channel != null) {
            channel.close();
            channel = null;
        }
        open();
    }

    /** Empties the file (its backups stay). */
    public synchronized void clear() throws IOException {
        if (closed) {
            return;
        }
        ensureOpenAndCurrent();
        channel.truncate(0);
        size = 0;
        lineLen = 0;
        lineSplit = false;
        unfinished.atLineStart();
    }

    /**
     * A write that did not go through whole. The file holds the first {@link #written} bytes of
     * the input and, unless {@link #midLine}, ends at a line start: the bytes not in the file are
     * {@link #retracted} followed by the rest of the input, in that order.
     */
    public static final class WriteFailed extends IOException {
        private final int written;
        private final byte[] retracted;
        private final boolean midLine;

        WriteFailed(IOException cause, int written, byte[] retracted, boolean midLine) {
            super(cause.getMessage(), cause);
            this.written = written;
            this.retracted = retracted;
            this.midLine = midLine;
        }

        /** Bytes of the input, from its first, that are in the file. */
        public int written() {
            return written;
        }

        /**
         * The writer's own unfinished line of earlier writes, cut back out of the file: to be
         * written again before the rest of the input. Empty when nothing was cut back.
         */
        public byte[] retracted() {
            return retracted;
        }

        /**
         * Whether the file still ends inside a line, which could not be cut back exactly: the
         * next {@link #writeMarker marker} ends it first.
         */
        public boolean midLine() {
            return midLine;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing is buffered: every write went to the kernel already
            }
            channel = null;
        }
    }
}
