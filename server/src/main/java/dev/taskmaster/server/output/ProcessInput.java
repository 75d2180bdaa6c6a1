package dev.taskmaster.server.output;

import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.Pty;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * The writing side of one running process's input: the write end of its stdin pipe, or (for a
 * tty program) a descriptor of its terminal's master. Owned here and closed exactly once: when
 * the process exits, or on {@code close_stdin}.
 *
 * <p>Threading: thread-safe. {@link #write} may block while the pipe is full (polling, so it
 * notices a close or a cancelled caller within {@link #POLL_MILLIS}), but not for ever: a
 * process that takes none of its input for the stall limit fails the write with
 * {@link NotReadingException}, and later writes fail at once while its pipe stays full, instead
 * of queueing behind a write that cannot finish. Concurrent writes are applied one after the
 * other, never interleaved. {@link #close} never waits for a blocked write.
 */
public final class ProcessInput {

    /** The input is gone: the process exited or its stdin was closed. */
    public static final class ClosedException extends Exception {
        public ClosedException(String message) {
            super(message);
        }
    }

    /**
     * The process took none of the input for the stall limit: its pipe (or terminal) is full and
     * it does not read. {@code written} bytes of this write went in before.
     */
    public static final class NotReadingException extends Exception {
        private final long written;

        NotReadingException(String message, long written) {
            super(message);
            this.written = written;
        }

        /** Bytes of the write that went in before it gave up. */
        public long written() {
            return written;
        }
    }

    static final int POLL_MILLIS = 50;

    private final int fd;
    private final boolean tty;
    private final ReentrantLock order = new ReentrantLock(true);
    /** Guards the descriptor's validity: a closed number may be reused by anything else. */
    private final Object fdLock = new Object();
    private boolean closed;
    private String closedWhy;
    /** A write gave up on a full pipe and nothing was taken since: later ones fail at once while it stays full. */
    private volatile boolean stuck;

    /** Takes ownership of {@code fd}, which must be non-blocking. */
    public ProcessInput(int fd, boolean tty) {
        this.fd = fd;
        this.tty = tty;
    }

    /** The descriptor written to (a pipe's write end or a terminal's master): a re-exec keeps it open. */
    public int descriptor() {
        return fd;
    }

    public boolean tty() {
        return tty;
    }

    public boolean isClosed() {
        synchronized (fdLock) {
            return closed;
        }
    }

    /** Why the input is closed, or null while open. */
    public String closedReason() {
        synchronized (fdLock) {
            return closedWhy;
        }
    }

    /**
     * Writes all of {@code data}, waiting while the pipe is full, without a limit.
     *
     * @param cancelled polled while waiting; true stops the write (the bytes written so far stay written)
     * @return bytes written (all of them unless cancelled)
     */
    public long write(byte[] data, BooleanSupplier cancelled) throws ClosedException, NativeException {
        try {
            return write(data, cancelled, java.time.Duration.ofMillis(Long.MAX_VALUE));
        } catch (NotReadingException cannot) {
            throw new AssertionError("no stall limit", cannot);
        }
    }

    /**
     * Writes all of {@code data}, waiting while the pipe is full as long as the process takes
     * some of it at least every {@code stall}. Writes are applied one after the other, never
     * interleaved; one that waits behind others waits as long as they make progress.
     *
     * @param cancelled polled while waiting; true stops the write (the bytes written so far stay written)
     * @return bytes written (all of them unless cancelled)
     * @throws NotReadingException the process took nothing for {@code stall}, or a write before
     *         this one gave up so and its pipe is still full (then at once)
     */
    public long write(byte[] data, BooleanSupplier cancelled, java.time.Duration stall)
            throws ClosedException, NativeException, NotReadingException {
        long stallNanos = stall.compareTo(java.time.Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE : stall.toNanos();
        // Waiting for earlier writes is bounded by theirs: each gives up once the process takes
        // nothing for `stall`, and the ones after it then fail at once (stuck); while it reads,
        // they wait, as the contract says ("the call waits while the pipe is full").
        try {
            while (!order.tryLock(POLL_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                if (cancelled.getAsBoolean()) {
                    return 0;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, data.length);
            long done = 0;
            long progress = System.nanoTime();
            while (done < data.length) {
                long n;
                synchronized (fdLock) {
                    if (closed) {
                        throw new ClosedException(closedWhy);
                    }
                    try {
                        n = Fds.write(fd, buf.asSlice(done), data.length - done);
                    } catch (NativeException e) {
                        if (e.errno() == dev.taskmaster.server.os.Errno.EPIPE || e.errno() == dev.taskmaster.server.os.Errno.EIO) {
                            throw new ClosedException("the process no longer reads its input");
                        }
                        throw e;
                    }
                }
                if (n == Fds.WOULD_BLOCK) {
                    if (cancelled.getAsBoolean()) {
                        return done;
                    }
                    if (stuck) {
                        throw new NotReadingException("its input is still full from an earlier write it has not read", done);
                    }
                    if (System.nanoTime() - progress >= stallNanos) {
                        stuck = true;
                        throw new NotReadingException("it has taken none of its input for "
                                + (stall.toMillis() >= 1000 ? stall.toSeconds() + " s" : stall.toMillis() + " ms"), done);
                    }
                    // Outside fdLock, so close() is never held up; a reused number only wakes us early.
                    Fds.awaitWritable(fd, POLL_MILLIS);
                } else {
                    done += n;
                    progress = System.nanoTime();
                    stuck = false;
                }
            }
            return done;
        } finally {
            order.unlock();
        }
    }

    /** Sets the terminal size (the kernel sends SIGWINCH to the foreground process group). */
    public void resize(int rows, int cols) throws ClosedException, NativeException {
        synchronized (fdLock) {
            if (closed) {
                throw new ClosedException(closedWhy);
            }
            Pty.resize(fd, rows, cols);
        }
    }

    /** Closes the descriptor (at most once); later writes fail with {@code why}. */
    public void close(String why) {
        synchronized (fdLock) {
            if (closed) {
                return;
            }
            closed = true;
            closedWhy = why;
            Fds.closeQuietly(fd);
        }
    }
}
