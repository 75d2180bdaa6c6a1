package dev.taskmaster.server.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Plain descriptor operations: close, flags, read and write on native memory.
 *
 * <p>Threading: any thread. The kernel serialises concurrent reads or writes on one
 * descriptor; deciding who reads and who closes (once) is the caller's business.
 */
public final class Fds {

    /** {@link #read} and {@link #write}: the descriptor is non-blocking and not ready. */
    public static final long WOULD_BLOCK = -1;

    private Fds() {}

    /**
     * Closes {@code fd}. An EINTR is taken as success: on Linux the descriptor is released
     * anyway, and retrying could close a descriptor another thread has just been given.
     */
    public static void close(int fd) throws NativeException {
        if (LibC.close(fd) == -1) {
            int errno = LibC.errno();
            if (errno != Errno.EINTR) {
                throw new NativeException("close", errno);
            }
        }
    }

    /**
     * Closes {@code fd} and ignores any error: for clean-up paths where the descriptor is
     * known to be ours and a failure (EBADF, EIO) could not be acted on anyway.
     */
    public static void closeQuietly(int fd) {
        LibC.close(fd);
    }

    public static void setNonBlocking(int fd, boolean nonBlocking) throws NativeException {
        int flags = LibC.check("fcntl", LibC.fcntl(fd, LibC.F_GETFL, 0));
        int wanted = nonBlocking ? flags | LibC.O_NONBLOCK : flags & ~LibC.O_NONBLOCK;
        if (wanted != flags) {
            LibC.check("fcntl", LibC.fcntl(fd, LibC.F_SETFL, wanted));
        }
    }

    public static void setCloseOnExec(int fd, boolean closeOnExec) throws NativeException {
        int flags = LibC.check("fcntl", LibC.fcntl(fd, LibC.F_GETFD, 0));
        int wanted = closeOnExec ? flags | LibC.FD_CLOEXEC : flags & ~LibC.FD_CLOEXEC;
        if (wanted != flags) {
            LibC.check("fcntl", LibC.fcntl(fd, LibC.F_SETFD, wanted));
        }
    }

    /** A second descriptor for the same open file, close-on-exec (the file's flags, such as O_NONBLOCK, are shared). */
    public static int dup(int fd) throws NativeException {
        return LibC.check("fcntl(F_DUPFD_CLOEXEC)", LibC.fcntl(fd, LibC.F_DUPFD_CLOEXEC, 3));
    }

    /**
     * Asks for a pipe buffer of {@code bytes} (F_SETPIPE_SZ); returns whether the kernel agreed.
     * A bigger buffer lets a fast writer hand over more per wake-up of its reader.
     */
    public static boolean setPipeSize(int fd, int bytes) {
        return LibC.fcntl(fd, LibC.F_SETPIPE_SZ, bytes) >= 0;
    }

    public static boolean isNonBlocking(int fd) throws NativeException {
        return (LibC.check("fcntl", LibC.fcntl(fd, LibC.F_GETFL, 0)) & LibC.O_NONBLOCK) != 0;
    }

    public static boolean isCloseOnExec(int fd) throws NativeException {
        return (LibC.check("fcntl", LibC.fcntl(fd, LibC.F_GETFD, 0)) & LibC.FD_CLOEXEC) != 0;
    }

    /**
     * Reads up to {@code len} bytes into the start of the native segment {@code buf}.
     *
     * @return the number of bytes read; 0 at end of file; {@link #WOULD_BLOCK} (-1) when a
     *         non-blocking descriptor has nothing yet. EINTR is retried; other errors throw.
     */
    public static long read(int fd, MemorySegment buf, long len) throws NativeException {
        checkBuffer(buf, len);
        while (true) {
            long n = LibC.read(fd, buf, len);
            if (n >= 0) {
                return n;
            }
            int errno = LibC.errno();
            if (errno == Errno.EAGAIN) {
                return WOULD_BLOCK;
            }
            if (errno != Errno.EINTR) {
                throw new NativeException("read", errno);
            }
        }
    }

    /**
     * Writes up to {@code len} bytes from the start of the native segment {@code buf}.
     *
     * @return the number of bytes written (possibly fewer than {@code len});
     *         {@link #WOULD_BLOCK} (-1) when a non-blocking descriptor is full. EINTR is
     *         retried; other errors throw (EPIPE when the reader is gone: the JVM ignores
     *         SIGPIPE).
     */
    public static long write(int fd, MemorySegment buf, long len) throws NativeException {
        checkBuffer(buf, len);
        while (true) {
            long n = LibC.write(fd, buf, len);
            if (n >= 0) {
                return n;
            }
            int errno = LibC.errno();
            if (errno == Errno.EAGAIN) {
                return WOULD_BLOCK;
            }
            if (errno != Errno.EINTR) {
                throw new NativeException("write", errno);
            }
        }
    }

    /**
     * Waits up to {@code timeoutMillis} until {@code fd} can be written without blocking (or is
     * in error, which the next write reports). Returns whether it became ready; EINTR counts as
     * not ready, so callers simply loop.
     */
    public static boolean awaitWritable(int fd, int timeoutMillis) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(8, 4); // struct pollfd {int fd; short events; short revents;}
            pollfd.set(java.lang.foreign.ValueLayout.JAVA_INT, 0, fd);
            pollfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, LibC.POLLOUT);
            int n = LibC.poll(pollfd, 1, timeoutMillis);
            if (n == -1) {
                int errno = LibC.errno();
                if (errno == Errno.EINTR) {
                    return false;
                }
                throw new NativeException("poll", errno);
            }
            return n > 0;
        }
    }

    /** Opens {@code /dev/null} read-write and close-on-exec. */
    public static int openDevNull() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            return LibC.check("open", LibC.open(arena.allocateFrom("/dev/null"), LibC.O_RDWR | LibC.O_CLOEXEC, 0));
        }
    }

    private static void checkBuffer(MemorySegment buf, long len) {
        if (!buf.isNative()) {
            throw new IllegalArgumentException("buffer must be native memory");
        }
        if (len < 0 || len > buf.byteSize()) {
            throw new IndexOutOfBoundsException("length " + len + " outside buffer of " + buf.byteSize() + " bytes");
        }
    }
}
