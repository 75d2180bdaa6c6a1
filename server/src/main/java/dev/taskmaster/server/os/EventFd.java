package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A non-blocking, close-on-exec eventfd: the way for any thread to wake a thread blocked in
 * {@link Epoll#wait}. Register {@link #fd()} for {@link Epoll#EPOLLIN}; the waiting thread
 * calls {@link #drain()} when it fires.
 *
 * <p>Threading: {@link #signal()} from any number of threads; {@link #drain()} from the one
 * waiting thread; {@link #close()} once, when neither can happen any more.
 */
public final class EventFd implements AutoCloseable {

    private static final int EFD_NONBLOCK = LibC.O_NONBLOCK;
    private static final int EFD_CLOEXEC = LibC.O_CLOEXEC;

    private final int fd;
    private final MemorySegment one;
    private final MemorySegment counter;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EventFd(int fd) {
        this.fd = fd;
        Arena arena = Arena.ofAuto();
        this.one = arena.allocate(JAVA_LONG); // only read by the kernel: shared by all signallers
        this.one.set(JAVA_LONG, 0, 1L);
        this.counter = arena.allocate(JAVA_LONG);
    }

    public static EventFd create() throws NativeException {
        return new EventFd(LibC.check("eventfd", LibC.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)));
    }

    public int fd() {
        return fd;
    }

    /**
     * Makes the descriptor readable until the next {@link #drain()}. Never blocks.
     *
     * @throws UncheckedIOException (EBADF) only if used after {@link #close()}
     */
    public void signal() {
        try {
            // EAGAIN only if the counter would overflow 2^64-2: it is readable anyway.
            Fds.write(fd, one, JAVA_LONG.byteSize());
        } catch (NativeException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Resets the descriptor to not readable; returns whether it had been signalled.
     *
     * @throws UncheckedIOException (EBADF) only if used after {@link #close()}
     */
    public boolean drain() {
        try {
            return Fds.read(fd, counter, JAVA_LONG.byteSize()) > 0;
        } catch (NativeException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the descriptor; later calls do nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Fds.closeQuietly(fd);
        }
    }
}
