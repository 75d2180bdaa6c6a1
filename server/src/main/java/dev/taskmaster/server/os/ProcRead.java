package dev.taskmaster.server.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Small {@code /proc} files ({@code /proc/PID/stat}) read with three system calls, open, read
 * and close, into a buffer each thread keeps. {@code FileInputStream.readAllBytes} makes ten
 * (fstat and lseek to size the file, which /proc reports as empty, and a read to see the end);
 * the descendants sweeper reads every process's stat at each program's exit, the usage sampler
 * every running process's at each process list, the state file each new process's.
 *
 * <p>Threading: any thread; each thread has its own buffer.
 */
public final class ProcRead {

    /** Larger than any stat line (52 numbers and a command name of at most 64 bytes). */
    private static final int SIZE = 4096;
    private static final int PATH_SIZE = 64;
    /** Files of one line, which a read returns whole ("status" is not one: it has many). */
    private static final java.util.Set<String> ONE_LINE = java.util.Set.of("stat", "statm");
    private static final ThreadLocal<MemorySegment> BUFFERS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SIZE + PATH_SIZE));

    private ProcRead() {
    }

    /**
     * {@code /proc/PID/FILE} whole, as ISO-8859-1 text; empty when the process is gone (or the
     * file cannot be read). A file that fills the buffer is read again the slow way, whole.
     */
    public static Optional<String> text(int pid, String file) {
        String path = "/proc/" + pid + "/" + file;
        byte[] name = path.getBytes(StandardCharsets.ISO_8859_1);
        if (name.length >= PATH_SIZE) {
            return slow(path);
        }
        MemorySegment buf = BUFFERS.get();
        MemorySegment cpath = buf.asSlice(SIZE, PATH_SIZE);
        MemorySegment.copy(name, 0, cpath, ValueLayout.JAVA_BYTE, 0, name.length);
        cpath.set(ValueLayout.JAVA_BYTE, name.length, (byte) 0);
        int fd = LibC.open(cpath, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            return Optional.empty();
        }
        long total = 0;
        try {
            while (total < SIZE) {
                long n = LibC.read(fd, buf.asSlice(total), SIZE - total);
                if (n < 0) {
                    if (LibC.errno() == Errno.EINTR) {
                        continue;
                    }
                    return Optional.empty(); // ESRCH: it went away while being read
                }
                if (n == 0) {
                    break;
                }
                total += n;
                // A stat or statm file comes whole in one read, ending with a newline: no
                // further read only to be told it is over.
                if (buf.get(ValueLayout.JAVA_BYTE, total - 1) == '\n' && ONE_LINE.contains(file)) {
                    break;
                }
            }
        } finally {
            LibC.close(fd);
        }
        if (total >= SIZE) {
            return slow(path);
        }
        return Optional.of(new String(buf.asSlice(0, total).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.ISO_8859_1));
    }

    private static Optional<String> slow(String path) {
        try (java.io.FileInputStream in = new java.io.FileInputStream(path)) {
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
