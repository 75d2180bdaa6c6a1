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
 * notices a close or a cancelled caller within {@link #POLL_MILLIS}); concurrent writes are
 * applied one after the other, in the order they took the lock. {@link #close} never waits for
 * a blocked write.
 */
public final class ProcessInput {

    /** The input is gone: the process exited or its stdin was closed. */
    public static final class ClosedException extends Exception {
        public ClosedException(String message) {
            super(message);
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

    /** Takes ownership of {@code fd}, which must be non-blocking. */
    public ProcessInput(int fd, boolean tty) {
        this.fd = fd;
        this.tty = tty;
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
     * Writes all of {@code data}, waiting while the pipe is full.
     *
     * @param cancelled polled while waiting; true stops the write (the bytes written so far stay written)
     * @return bytes written (all of them unless cancelled)
     */
    public long write(byte[] data, BooleanSupplier cancelled) throws ClosedException, NativeException {
        order.lock();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, data.length));
            MemorySegment.copy(data, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, data.length);
            long done = 0;
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
                    // Outside fdLock, so close() is never held up; a reused number only wakes us early.
                    Fds.awaitWritable(fd, POLL_MILLIS);
                } else {
                    done += n;
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
