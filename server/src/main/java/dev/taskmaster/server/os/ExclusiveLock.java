package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * An exclusive {@code fcntl} lock on a whole file, held by this process until it exits or
 * {@link #close}s it: a crash releases it, so a lock file left behind means nothing.
 *
 * <p>A POSIX record lock rather than {@code flock}, because its holder can be asked for
 * ({@code F_GETLK} reports the pid), so a refused caller can say who holds it. It belongs to the
 * process, not to a thread or a uid: it survives {@code setuid}, and children never inherit it.
 * The price: closing <em>any</em> descriptor this process has on the file releases it, so nothing
 * else in the process may open the file while the lock is held.
 *
 * <p>Threading: {@link #tryAcquire} from any thread; {@link #write} and {@link #close} from one
 * thread at a time.
 */
public final class ExclusiveLock implements AutoCloseable {

    /** O_APPEND: after {@link #write}'s truncation, writing goes to the start again. */
    private static final int OPEN_FLAGS = LibC.O_RDWR | LibC.O_APPEND | LibC.O_CREAT | LibC.O_CLOEXEC | LibC.O_NOCTTY
            | Layouts.O_NOFOLLOW;
    /** Tries of F_SETLK then F_GETLK: the holder can go in between, and then the lock is free again. */
    private static final int ATTEMPTS = 5;

    /** What {@link #tryAcquire} got. */
    public sealed interface Attempt permits Acquired, Busy {
    }

    /** The lock is ours. */
    public record Acquired(ExclusiveLock lock) implements Attempt {
    }

    /** Another process holds it; {@code pid} is 0 when that process is not visible from here (another pid namespace). */
    public record Busy(int pid) implements Attempt {
    }

    private final Path path;
    private int fd;

    private ExclusiveLock(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /**
     * Opens {@code path} without following a symbolic link (creating it with {@code permissions}
     * if needed) and tries to lock it at once, without waiting.
     *
     * @throws IOException when the file cannot be opened, is not a regular file, or is owned by
     *                     another user than this process's effective one
     */
    public static Attempt tryAcquire(Path path, int permissions) throws IOException {
        int fd = OpenFile.open(path, OPEN_FLAGS, permissions);
        if (fd < 0) {
            int errno = LibC.errno();
            throw errno == Errno.ELOOP ? new IOException(path + " is a symbolic link; refusing to follow it")
                    : OpenFile.failure(path, errno);
        }
        try {
            OpenFile.Status s = OpenFile.status(fd);
            if (!s.regular()) {
                throw new IOException(path + " is not a regular file");
            }
            int euid = LibC.geteuid();
            if (s.uid() != euid) {
                throw new IOException(path + " is owned by uid " + s.uid() + ", not by this user (" + euid + ")");
            }
            // Whoever may open the file may take a read lock on it, and so keep the holder out:
            // no more than the permissions asked for, whatever an older file had.
            if ((s.permissions() & ~permissions) != 0) {
                OpenFile.fchmod(fd, s.permissions() & permissions, path);
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment lock = arena.allocate(Layouts.FLOCK);
                for (int i = 0; i < ATTEMPTS; i++) {
                    wholeFile(lock, LibC.F_WRLCK);
                    if (LibC.fcntl(fd, LibC.F_SETLK, lock) == 0) {
                        ExclusiveLock held = new ExclusiveLock(path, fd);
                        fd = -1;
                        return new Acquired(held);
                    }
                    int errno = LibC.errno();
                    if (errno != Errno.EAGAIN && errno != Errno.EACCES) {
                        throw new NativeException("fcntl(F_SETLK) on " + path, errno);
                    }
                    wholeFile(lock, LibC.F_WRLCK);
                    LibC.check("fcntl(F_GETLK) on " + path, LibC.fcntl(fd, LibC.F_GETLK, lock));
                    if (lock.get(JAVA_SHORT, Layouts.L_TYPE) != LibC.F_UNLCK) {
                        return new Busy(lock.get(JAVA_INT, Layouts.L_PID));
                    }
                }
                throw new IOException("cannot lock " + path + ": its holder keeps changing");
            }
        } finally {
            if (fd >= 0) {
                // We hold no lock on it, so closing releases nothing of ours.
                Fds.closeQuietly(fd);
            }
        }
    }

    /**
     * Whether a live process holds the lock of {@code path}, asked without taking it (so a daemon
     * starting at the same moment is never kept out by the question). Never ask about a file this
     * process has locked: closing the descriptor opened to ask would release that lock.
     *
     * @return false when the file does not exist, or is not a regular file
     */
    public static boolean held(Path path) throws IOException {
        int fd = OpenFile.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC | LibC.O_NOCTTY | Layouts.O_NOFOLLOW, 0);
        if (fd < 0) {
            int errno = LibC.errno();
            if (errno == Errno.ENOENT || errno == Errno.ELOOP) {
                return false;
            }
            throw OpenFile.failure(path, errno);
        }
        try (Arena arena = Arena.ofConfined()) {
            if (!OpenFile.status(fd).regular()) {
                return false;
            }
            MemorySegment lock = arena.allocate(Layouts.FLOCK);
            wholeFile(lock, LibC.F_WRLCK);
            LibC.check("fcntl(F_GETLK) on " + path, LibC.fcntl(fd, LibC.F_GETLK, lock));
            return lock.get(JAVA_SHORT, Layouts.L_TYPE) != LibC.F_UNLCK;
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    private static void wholeFile(MemorySegment lock, short type) {
        lock.fill((byte) 0);
        lock.set(JAVA_SHORT, Layouts.L_TYPE, type);
        lock.set(JAVA_SHORT, Layouts.L_WHENCE, LibC.SEEK_SET);
        lock.set(JAVA_LONG, Layouts.L_START, 0);
        lock.set(JAVA_LONG, Layouts.L_LEN, 0); // 0: up to the end of the file, however it grows
    }

    public Path path() {
        return path;
    }

    /** Replaces the file's content with {@code text} (for people reading it; the lock is what counts). */
    public void write(String text) throws NativeException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        LibC.check("ftruncate", LibC.ftruncate(fd, 0));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(JAVA_BYTE, bytes);
            long done = 0;
            while (done < bytes.length) {
                long n = LibC.write(fd, buf.asSlice(done), bytes.length - done);
                if (n < 0) {
                    int errno = LibC.errno();
                    if (errno != Errno.EINTR) {
                        throw new NativeException("write", errno);
                    }
                    continue;
                }
                done += n;
            }
        }
    }

    /** Releases the lock (the file stays: removing it would race with a process opening it to lock). */
    @Override
    public void close() {
        if (fd >= 0) {
            Fds.closeQuietly(fd);
            fd = -1;
        }
    }
}
