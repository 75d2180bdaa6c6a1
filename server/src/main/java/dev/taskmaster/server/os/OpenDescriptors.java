package dev.taskmaster.server.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * How many descriptors this process holds, read from {@code /proc/self/fd}. The reading opens a
 * descriptor of its own for a moment, so with none left it fails (EMFILE): callers take that as
 * "none free".
 *
 * <p>Threading: any thread. Other threads open and close descriptors all the time: a reading is
 * true of one moment only.
 */
public final class OpenDescriptors {

    private static final Path FD_DIR = Path.of("/proc/self/fd");
    /** Room for some 1,300 entries per call. */
    private static final long BUFFER = 32 * 1024;

    private OpenDescriptors() {}

    /**
     * The descriptors open now: the entries of {@code /proc/self/fd}, less the one this count
     * reads the directory through. Read with getdents64 rather than a {@code DirectoryStream},
     * which holds an unknown number of descriptors of its own (two, in JDK 25). Linear in their
     * number, with no allocation per entry.
     */
    public static int count() throws IOException {
        int dir = OpenFile.open(FD_DIR, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (dir < 0) {
            throw OpenFile.failure(FD_DIR, LibC.errno());
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(BUFFER);
            int entries = 0;
            while (true) {
                long n = LibC.getdents64(dir, buf, BUFFER);
                if (n == 0) {
                    break;
                }
                if (n < 0) {
                    throw new NativeException("getdents64(" + FD_DIR + ")", LibC.errno());
                }
                long at = 0;
                while (at < n) {
                    // Every name is a number but "." and "..".
                    if (buf.get(ValueLayout.JAVA_BYTE, at + Layouts.DIRENT64_NAME) != '.') {
                        entries++;
                    }
                    int length = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + Layouts.DIRENT64_RECLEN));
                    if (length == 0) {
                        throw new IOException("getdents64(" + FD_DIR + ") returned an empty record");
                    }
                    at += length;
                }
            }
            return Math.max(0, entries - 1);
        } finally {
            Fds.closeQuietly(dir);
        }
    }
}
