package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One epoll instance: descriptors registered with a caller-chosen 64-bit token, reported back
 * with that token when ready.
 *
 * <p>Threading: {@link #add}, {@link #modify} and {@link #remove} may be called from any
 * thread, also while another thread is blocked in {@link #wait} (wake it with an
 * {@link EventFd} if it must notice). {@link #wait} must be called by one thread at a time: the
 * event buffer is reused. Call {@link #close} once, after the waiting thread has stopped.
 */
public final class Epoll implements AutoCloseable {

    public static final int EPOLLIN = 0x001;
    public static final int EPOLLOUT = 0x004;
    public static final int EPOLLERR = 0x008;
    public static final int EPOLLHUP = 0x010;
    public static final int EPOLLRDHUP = 0x2000;
    public static final int EPOLLONESHOT = 1 << 30;

    private static final int EPOLL_CLOEXEC = LibC.O_CLOEXEC;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLL_CTL_MOD = 3;
    private static final int DEFAULT_MAX_EVENTS = 256;

    /** Receives one ready descriptor. Runs on the thread calling {@link #wait}; must not block. */
    @FunctionalInterface
    public interface EventConsumer {
        void accept(long token, int events);
    }

    private final int fd;
    private final int maxEvents;
    private final MemorySegment events;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Epoll(int fd, int maxEvents) {
        this.fd = fd;
        this.maxEvents = maxEvents;
        // Automatic arena: freed by the GC, so close() can never race a wait() using it.
        this.events = Arena.ofAuto().allocate(Layouts.EPOLL_EVENT, maxEvents);
    }

    public static Epoll create() throws NativeException {
        return create(DEFAULT_MAX_EVENTS);
    }

    /** @param maxEvents the most events one {@link #wait} reports; more wait for the next call */
    public static Epoll create(int maxEvents) throws NativeException {
        if (maxEvents < 1) {
            throw new IllegalArgumentException("maxEvents must be positive: " + maxEvents);
        }
        return new Epoll(LibC.check("epoll_create1", LibC.epollCreate1(EPOLL_CLOEXEC)), maxEvents);
    }

    /** The epoll descriptor itself (it can be nested in another epoll). */
    public int fd() {
        return fd;
    }

    /** Starts watching {@code watched} for {@code events}; EEXIST if it is already registered. */
    public void add(int watched, int events, long token) throws NativeException {
        control(EPOLL_CTL_ADD, "epoll_ctl(ADD)", watched, events, token);
    }

    /** Changes the events and token of a registered descriptor (also re-arms EPOLLONESHOT). */
    public void modify(int watched, int events, long token) throws NativeException {
        control(EPOLL_CTL_MOD, "epoll_ctl(MOD)", watched, events, token);
    }

    /**
     * Stops watching {@code watched}. Closing a descriptor also removes it, unless a duplicate of
     * it (a child holding the other end does not count) is still open.
     */
    public void remove(int watched) throws NativeException {
        control(EPOLL_CTL_DEL, "epoll_ctl(DEL)", watched, 0, 0);
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever, 0: just poll) and hands each ready
     * descriptor's token and events to {@code consumer}, in order, on this thread.
     *
     * <p>An exception from the consumer propagates at once and the rest of that batch is lost:
     * level-triggered registrations will be reported again, EPOLLONESHOT ones will not.
     *
     * @return the number of events delivered; 0 on timeout or when a signal interrupted the wait
     */
    public int wait(int timeoutMillis, EventConsumer consumer) throws NativeException {
        int n = LibC.epollWait(fd, events, maxEvents, timeoutMillis);
        if (n == -1) {
            int errno = LibC.errno();
            if (errno == Errno.EINTR) {
                return 0;
            }
            throw new NativeException("epoll_wait", errno);
        }
        long stride = Layouts.EPOLL_EVENT.byteSize();
        for (int i = 0; i < n; i++) {
            long base = i * stride;
            consumer.accept(events.get(JAVA_LONG_UNALIGNED, base + Layouts.EPOLL_EVENT_DATA),
                    events.get(JAVA_INT, base + Layouts.EPOLL_EVENT_EVENTS));
        }
        return n;
    }

    /** Closes the epoll descriptor (closing it cannot usefully fail); later calls do nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Fds.closeQuietly(fd);
        }
    }

    private void control(int op, String call, int watched, int events, long token) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment event = arena.allocate(Layouts.EPOLL_EVENT);
            event.set(JAVA_INT, Layouts.EPOLL_EVENT_EVENTS, events);
            event.set(JAVA_LONG_UNALIGNED, Layouts.EPOLL_EVENT_DATA, token);
            LibC.check(call, LibC.epollCtl(fd, op, watched, event));
        }
    }
}
