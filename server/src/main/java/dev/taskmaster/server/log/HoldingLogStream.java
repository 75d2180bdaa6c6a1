package dev.taskmaster.server.log;

import dev.taskmaster.server.os.FileModes;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The daemon log's file as logback's file appenders write it: each {@link #write(byte[], int,
 * int)} is one logged event (its line, or its message and stack trace), written straight to
 * the file (no buffer to lose). A write the file does not take (a full disk) leaves nothing of
 * itself in the file and waits in the {@link DaemonLogHold}; the next write, or the hold's
 * retry, writes the held lines first, after a gap notice. Logback's own stream would instead
 * drop the lines of a failing file without a word, or stop the appender for good.
 *
 * <p>A {@link FileOutputStream} in append mode, not a {@code FileChannel}: logback interrupts its
 * appender thread when it stops, and an interrupt closes a channel in the middle of the last lines.
 *
 * <p>Threading: every write locks the hold; logback writes from its appender thread, the
 * hold's retry thread flushes.
 */
final class HoldingLogStream extends OutputStream {

    private final Path path;
    private final int permissions;
    private final DaemonLogHold hold;
    private FileOutputStream out;
    /** The file's size as this stream wrote it: where a failed write began. */
    private long size;
    private boolean closed;
    /** Why the last write failed: the reason a line held without a write attempt of its own gives. */
    private Exception lastFailure = new IOException("cannot write");

    HoldingLogStream(Path path, int permissions, DaemonLogHold hold) throws IOException {
        this.path = path;
        this.permissions = permissions;
        this.hold = hold;
        open();
        hold.attach(this);
    }

    private void open() throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
        }
        FileModes.prepare(path, permissions); // created with exactly these permissions, or tightened to them
        out = new FileOutputStream(path.toFile(), true);
        size = Files.size(path);
    }

    @Override
    public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        synchronized (hold) {
            if (hold.holding() && !flushHeld()) {
                hold.hold(java.util.Arrays.copyOfRange(b, off, off + len), lastFailure);
                return;
            }
            Exception failure = writeWhole(b, off, len);
            if (failure != null) {
                hold.hold(java.util.Arrays.copyOfRange(b, off, off + len), failure);
            }
        }
    }

    /** Writes what the hold has, notice first; true once nothing is held. */
    boolean flushHeld() {
        synchronized (hold) {
            return hold.flush(entry -> writeWhole(entry, 0, entry.length));
        }
    }

    /** Writes all of it or, when the file does not take it, cuts back out whatever went in; null when written. */
    private Exception writeWhole(byte[] b, int off, int len) {
        if (closed) {
            return lastFailure = new IOException(path + " is closed");
        }
        try {
            if (out == null) {
                open(); // a rotation could not open its new file, or a failure closed it
            }
            out.write(b, off, len);
            size += len;
            return null;
        } catch (IOException e) {
            cutBack();
            return lastFailure = e;
        }
    }

    /** After a failed write: the file as it was before it, so that no line is left in part. */
    private void cutBack() {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            long now = file.length();
            if (now > size) {
                file.setLength(size);
            }
            size = Math.min(now, size);
        } catch (IOException ignored) {
            // It stays in part: rare, since cutting back frees space. The next line starts after it.
        }
    }

    @Override
    public void flush() {
        // Nothing is buffered: every write went to the kernel, or is held.
    }

    @Override
    public void close() {
        synchronized (hold) {
            if (closed) {
                return;
            }
            flushHeld(); // what it cannot write waits for the next file (a rotation) or is reported at exit
            closed = true;
            if (out != null) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // nothing is buffered
                }
            }
        }
    }
}
