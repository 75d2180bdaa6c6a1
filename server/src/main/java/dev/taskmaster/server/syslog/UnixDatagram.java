package dev.taskmaster.server.syslog;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.taskmaster.server.os.NativeException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout.PathElement;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * A Unix-domain datagram socket ({@code AF_UNIX}, {@code SOCK_DGRAM}), what {@code /dev/log}
 * is: the JDK's channels only do Unix-domain streams. Sending never blocks (a full socket buffer
 * is {@link Sent#BUSY}); receiving waits at most the time given. Linked through the FFM API
 * with errno captured per call, like the daemon's {@code os} bindings.
 *
 * <p>Threading: one thread at a time per socket; {@link #close} once, after the last use.
 */
@SuppressWarnings("restricted") // linking downcalls is what this class is for
public final class UnixDatagram implements AutoCloseable {

    private static final int AF_UNIX = 1;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_NONBLOCK = 04000;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final short POLLIN = 1;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    /** sizeof(struct sockaddr_un): a 2-byte family and 108 bytes of path. */
    private static final int SOCKADDR_UN = 110;
    private static final int PATH_MAX_BYTES = 107;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CAPTURED = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));

    private static final MethodHandle SOCKET = link("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = link("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDTO = link("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle RECV = link("recv", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle POLL = link("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CLOSE = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    /** What became of one datagram. */
    public enum Sent {
        SENT,
        /** The receiver's buffer is full (a slow or stopped syslog daemon): try again later. */
        BUSY
    }

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;

    private UnixDatagram(int fd, int bufferBytes) {
        this.fd = fd;
        this.buffer = arena.allocate(bufferBytes);
    }

    private static MethodHandle link(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(), d, ERRNO_OPTION);
    }

    private static int errno() {
        return (int) ERRNO.get(CAPTURED.get(), 0L);
    }

    /** An unbound socket that sends to any path; datagrams up to {@code maxBytes}. */
    public static UnixDatagram sender(int maxBytes) throws NativeException {
        return new UnixDatagram(socket(), maxBytes);
    }

    /** A socket bound at {@code path} (which must not exist), receiving datagrams up to {@code maxBytes}. */
    public static UnixDatagram bound(Path path, int maxBytes) throws NativeException {
        int fd = socket();
        UnixDatagram d = new UnixDatagram(fd, maxBytes);
        try (Arena a = Arena.ofConfined()) {
            int r;
            try {
                r = (int) BIND.invokeExact(CAPTURED.get(), fd, address(a, path), SOCKADDR_UN);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (r < 0) {
                NativeException e = new NativeException("bind " + path, errno());
                d.close();
                throw e;
            }
        }
        return d;
    }

    private static int socket() throws NativeException {
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(CAPTURED.get(), AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (fd < 0) {
            throw new NativeException("socket(AF_UNIX, SOCK_DGRAM)", errno());
        }
        return fd;
    }

    private static MemorySegment address(Arena a, Path path) throws NativeException {
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length > PATH_MAX_BYTES) {
            throw new NativeException("socket path " + path + " (longer than 107 bytes)", 36); // ENAMETOOLONG
        }
        MemorySegment addr = a.allocate(SOCKADDR_UN);
        addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, addr, java.lang.foreign.ValueLayout.JAVA_BYTE, 2, p.length);
        return addr;
    }

    /**
     * Sends one datagram to the socket at {@code path}, without waiting.
     *
     * @throws NativeException when it cannot be sent at all: no socket there (ENOENT), nobody
     *                         reading it (ECONNREFUSED), a datagram too long (EMSGSIZE)...
     */
    public Sent send(Path path, byte[] datagram) throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment addr = address(a, path);
            MemorySegment data = a.allocate(Math.max(1, datagram.length));
            MemorySegment.copy(datagram, 0, data, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, datagram.length);
            while (true) {
                long n;
                try {
                    n = (long) SENDTO.invokeExact(CAPTURED.get(), fd, data, (long) datagram.length,
                            MSG_DONTWAIT | MSG_NOSIGNAL, addr, SOCKADDR_UN);
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
                if (n >= 0) {
                    return Sent.SENT;
                }
                int e = errno();
                if (e == EAGAIN) {
                    return Sent.BUSY;
                }
                if (e != EINTR) {
                    throw new NativeException("sendto " + path, e);
                }
            }
        }
    }

    /** The next datagram, waiting at most {@code timeoutMillis}; empty if none came. */
    public Optional<byte[]> receive(int timeoutMillis) throws NativeException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pfd = a.allocate(8);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(JAVA_SHORT, 4, POLLIN);
            int r;
            try {
                r = (int) POLL.invokeExact(CAPTURED.get(), pfd, 1L, timeoutMillis);
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
            if (r < 0 && errno() != EINTR) {
                throw new NativeException("poll", errno());
            }
            if (r <= 0) {
                return Optional.empty();
            }
        }
        long n;
        try {
            n = (long) RECV.invokeExact(CAPTURED.get(), fd, buffer, buffer.byteSize(), MSG_DONTWAIT);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        if (n < 0) {
            int e = errno();
            if (e == EAGAIN || e == EINTR) {
                return Optional.empty();
            }
            throw new NativeException("recv", e);
        }
        return Optional.of(Arrays.copyOf(buffer.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), (int) n));
    }

    @Override
    public void close() {
        try {
            int ignored = (int) CLOSE.invokeExact(CAPTURED.get(), fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        arena.close();
    }
}
