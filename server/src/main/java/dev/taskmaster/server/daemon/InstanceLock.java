package dev.taskmaster.server.daemon;

import dev.taskmaster.server.os.ExclusiveLock;
import java.io.IOException;
import java.nio.file.Path;

/**
 * One daemon per instance: an exclusive lock on {@code <runtime dir>/<instance>.lock}, taken
 * before the daemon creates anything else (socket, log, pidfile) or starts any program, and
 * held for its whole life, across the switch to {@code server.user}. Two daemons started at the
 * same moment cannot both pass a check of the socket or pidfile; they cannot both hold this.
 * The file holds the holder's pid for people; the lock is what counts, and the kernel drops it
 * when the holder dies, so a file left behind is harmless (it is never removed: removing a lock
 * file races with the next daemon opening it).
 *
 * <p>Threading: taken and released on the main thread.
 */
final class InstanceLock implements AutoCloseable {

    /** Another live daemon holds the instance; the message names it. */
    static final class Busy extends Exception {
        private static final long serialVersionUID = 1L;

        Busy(String message) {
            super(message);
        }
    }

    private final ExclusiveLock lock;

    private InstanceLock(ExclusiveLock lock) {
        this.lock = lock;
    }

    static Path file(Path runtimeDir, String instance) {
        return runtimeDir.resolve(instance + ".lock");
    }

    /**
     * @throws Busy        when a live daemon holds it: {@code instance "default" is already running (pid 1234, lock …)}
     * @throws IOException when the lock file cannot be opened (a link, another user's file…)
     */
    static InstanceLock acquire(String instance, Path file) throws Busy, IOException {
        return switch (ExclusiveLock.tryAcquire(file, 0600)) {
            case ExclusiveLock.Acquired a -> {
                a.lock().write(ProcessHandle.current().pid() + "\n");
                yield new InstanceLock(a.lock());
            }
            case ExclusiveLock.Busy b -> throw new Busy("instance \"" + instance + "\" is already running ("
                    + (b.pid() > 0 ? "pid " + b.pid() : "in another pid namespace") + ", lock " + file + ")");
        };
    }

    @Override
    public void close() {
        lock.close();
    }
}
