package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The descriptors of a process as {@code /proc/PID/fd} shows them, for crash recovery: what a
 * process's stdin, stdout and stderr are (a pipe by its inode, a terminal by its number), and
 * a new descriptor on a pipe another process holds, opened through its {@code /proc} link
 * (which, for a pipe, gives a new read or write end, as opening a FIFO does).
 *
 * <p>Threading: stateless; any thread. A descriptor returned belongs to the caller.
 */
public final class ProcFds {

    private static final Pattern PIPE = Pattern.compile("pipe:\\[(\\d+)]");
    private static final Pattern PTS = Pattern.compile("/dev/pts/(\\d+)");
    /** {@code TIOCGPTN}: the number of the terminal behind a pty master (asm-generic/ioctls.h, x86-64 and aarch64). */
    private static final long TIOCGPTN = 0x80045430L;

    private ProcFds() {
    }

    /** What {@code /proc/PID/fd/N} names, or empty when the process or the descriptor is gone (or not ours to read). */
    public static Optional<String> link(int pid, int fd) {
        try {
            return Optional.of(Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "fd", Integer.toString(fd))).toString());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The inode of the pipe a link names ({@code pipe:[N]}), else empty. */
    public static OptionalLong pipeInode(String link) {
        Matcher m = PIPE.matcher(link);
        return m.matches() ? OptionalLong.of(Long.parseLong(m.group(1))) : OptionalLong.empty();
    }

    /** The number of the terminal a link names ({@code /dev/pts/N}), else empty. */
    public static OptionalInt ptyNumber(String link) {
        Matcher m = PTS.matcher(link);
        return m.matches() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }

    /**
     * Opens the pipe that descriptor {@code fd} of {@code pid} is, if it still is the pipe with
     * inode {@code inode}: a new read end ({@code forWriting} false) or write end, non-blocking
     * and close-on-exec. Checked again once open, through our own descriptor's link, so that a
     * descriptor the process replaced in between is not taken for its pipe.
     *
     * @return the new descriptor, or empty when the descriptor no longer is that pipe
     */
    public static OptionalInt reopenPipe(int pid, int fd, long inode, boolean forWriting) {
        Optional<String> before = link(pid, fd);
        if (before.isEmpty() || pipeInode(before.get()).orElse(-1) != inode) {
            return OptionalInt.empty();
        }
        int flags = (forWriting ? LibC.O_WRONLY : LibC.O_RDONLY) | LibC.O_NONBLOCK | LibC.O_CLOEXEC;
        int opened = OpenFile.open(Path.of("/proc", Integer.toString(pid), "fd", Integer.toString(fd)), flags, 0);
        if (opened < 0) {
            return OptionalInt.empty();
        }
        if (pipeInode(link(Posix.getpid(), opened).orElse("")).orElse(-1) != inode) {
            Fds.closeQuietly(opened);
            return OptionalInt.empty();
        }
        return OptionalInt.of(opened);
    }

    /** Every descriptor this process has open now. */
    public static List<Integer> own() {
        List<Integer> out = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : dir) {
                try {
                    out.add(Integer.parseInt(p.getFileName().toString()));
                } catch (NumberFormatException ignored) {
                    // not a descriptor
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list /proc/self/fd", e);
        }
        return out;
    }

    /** Whether this process's descriptor {@code fd} is open for writing only ({@code /proc/self/fdinfo}'s flags). */
    public static boolean writeOnly(int fd) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo", Integer.toString(fd)), StandardCharsets.US_ASCII)) {
                if (line.startsWith("flags:")) {
                    return (Integer.parseInt(line.substring(6).trim(), 8) & 3) == LibC.O_WRONLY;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone: not writable either
        }
        return false;
    }

    /** The number of the terminal whose master is this process's {@code fd} (TIOCGPTN), empty if it is none. */
    public static OptionalInt ptyOfMaster(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocate(JAVA_INT);
            if (LibC.ioctl(fd, TIOCGPTN, n) == -1) {
                return OptionalInt.empty();
            }
            return OptionalInt.of(n.get(JAVA_INT, 0));
        }
    }

    /**
     * Waits up to {@code timeoutMillis} until {@code fd} is readable (a pidfd: its process has
     * ended). EINTR counts as not yet; callers loop on their own deadline.
     */
    public static boolean awaitReadable(int fd, int timeoutMillis) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pollfd = arena.allocate(8, 4); // struct pollfd {int fd; short events; short revents;}
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, LibC.POLLIN);
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
}
