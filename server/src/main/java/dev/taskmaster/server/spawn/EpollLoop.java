package dev.taskmaster.server.spawn;

import dev.taskmaster.server.os.Epoll;
import dev.taskmaster.server.os.EventFd;
import dev.taskmaster.server.os.NativeException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread waiting on one epoll set and calling the handler of each ready descriptor.
 * {@link #add} and {@link #remove} may be called from any thread; handlers run on the loop
 * thread, must not block for long, and a handler that throws is logged and the loop goes on.
 */
final class EpollLoop implements AutoCloseable {

    /** Called on the loop thread when its descriptor is ready. */
    @FunctionalInterface
    interface Handler {
        void ready(long token, int events);
    }

    private static final Logger log = LoggerFactory.getLogger(EpollLoop.class);
    private static final long WAKE_TOKEN = 0;

    private final Epoll epoll;
    private final EventFd wake;
    private final Map<Long, Handler> handlers = new ConcurrentHashMap<>();
    private final AtomicLong tokens = new AtomicLong(1);
    private final Thread thread;
    private volatile boolean closed;
    /** Set by {@link #suspend}: the loop thread waits, calling no handler, until {@link #unsuspend}. Guarded by this. */
    private boolean suspended;
    /** The loop thread is waiting in a suspension. Guarded by this. */
    private boolean parked;

    EpollLoop(String name) throws NativeException {
        epoll = Epoll.create();
        wake = EventFd.create();
        epoll.add(wake.fd(), Epoll.EPOLLIN, WAKE_TOKEN);
        thread = Thread.ofPlatform().name(name).daemon().start(this::loop);
    }

    /** Watches {@code fd} for {@code events}; returns the token passed to the handler. */
    long add(int fd, int events, Handler handler) throws NativeException {
        long token = tokens.getAndIncrement();
        handlers.put(token, handler);
        try {
            epoll.add(fd, events, token);
        } catch (NativeException e) {
            handlers.remove(token);
            throw e;
        }
        return token;
    }

    /** Stops watching; the caller still owns (and closes) the descriptor. */
    void remove(long token, int fd) {
        handlers.remove(token);
        try {
            epoll.remove(fd);
        } catch (NativeException e) {
            log.debug("epoll remove of fd {}: {}", fd, e.getMessage());
        }
    }

    /**
     * Stops watching {@code fd} for now, keeping its handler and token: {@link #resume} watches it
     * again. Level-triggered, so a descriptor that became ready meanwhile is reported at once.
     */
    void pause(int fd) throws NativeException {
        epoll.remove(fd);
    }

    /** Watches a {@link #pause paused} descriptor again, under its token. */
    void resume(long token, int fd, int events) throws NativeException {
        epoll.add(fd, events, token);
    }

    /**
     * Stops calling handlers: returns once the loop thread has finished the handlers of the
     * batch it was in and waits (a re-exec: nothing may be read or reaped past this point).
     * Readiness stays pending in the kernel. Not from the loop thread itself.
     *
     * @return false when the loop did not stop within {@code millis}
     */
    boolean suspend(long millis) throws InterruptedException {
        synchronized (this) {
            suspended = true;
        }
        quietly(wake::signal);
        long deadline = System.nanoTime() + millis * 1_000_000;
        synchronized (this) {
            while (!parked && !closed) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }
        return true;
    }

    /** Undoes {@link #suspend}: handlers are called again, starting with what became ready meanwhile. */
    synchronized void unsuspend() {
        suspended = false;
        notifyAll();
    }

    /** Waits here while suspended. Loop thread. */
    private synchronized void parkWhileSuspended() throws InterruptedException {
        if (!suspended) {
            return;
        }
        parked = true;
        notifyAll();
        try {
            while (suspended && !closed) {
                wait();
            }
        } finally {
            parked = false;
        }
    }

    private void loop() {
        while (!closed) {
            try {
                parkWhileSuspended();
            } catch (InterruptedException e) {
                return;
            }
            try {
                epoll.wait(-1, (token, events) -> {
                    if (token == WAKE_TOKEN) {
                        quietly(wake::drain);
                        return;
                    }
                    Handler h = handlers.get(token);
                    if (h != null) {
                        try {
                            h.ready(token, events);
                        } catch (RuntimeException e) {
                            log.error("{}: handler failed", thread.getName(), e);
                        }
                    }
                });
            } catch (NativeException | RuntimeException e) {
                if (!closed) {
                    log.error("{}: {}", thread.getName(), e.getMessage(), e);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (this) {
            notifyAll();
        }
        quietly(wake::signal);
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        quietly(epoll::close);
        quietly(wake::close);
    }

    private interface NativeAction {
        void run() throws NativeException;
    }

    private static void quietly(NativeAction action) {
        try {
            action.run();
        } catch (NativeException e) {
            log.debug("{}", e.getMessage());
        }
    }
}
