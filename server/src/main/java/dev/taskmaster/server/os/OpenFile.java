package dev.taskmaster.server.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A descriptor opened by path, and what {@code fstat} says of the file it is open on. The
 * status is read through {@code /proc/self/fd/N}, which names the open file itself: unlike a
 * second look-up of the path, nobody can swap the file in between.
 *
 * <p>Threading: a descriptor belongs to the thread that opened it until it is closed.
 */
final class OpenFile {

    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;

    /** What fstat reports: owner, permission bits (with set-id and sticky bits) and whether it is a regular file. */
    record Status(int uid, int gid, int permissions, boolean regular) {
    }

    private OpenFile() {}

    /** {@code open(path, flags, mode)}; -1 with {@link LibC#errno()} set on failure. */
    static int open(Path path, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return LibC.open(arena.allocateFrom(path.toString()), flags, mode);
        }
    }

    /** The path through which the open file {@code fd} can be opened again or inspected. */
    static Path procPath(int fd) {
        return Path.of("/proc/self/fd/" + fd);
    }

    static Status status(int fd) throws IOException {
        Map<String, Object> a = Files.readAttributes(procPath(fd), "unix:uid,gid,mode");
        int mode = (Integer) a.get("mode");
        return new Status((Integer) a.get("uid"), (Integer) a.get("gid"), mode & 07777, (mode & S_IFMT) == S_IFREG);
    }

    /** An IOException naming {@code path} and the errno of the last call, e.g. {@code /x/y: Permission denied (EACCES)}. */
    static IOException failure(Path path, int errno) {
        return new IOException(path + ": " + Errno.describe(errno) + " (" + Errno.name(errno) + ")");
    }

    static void fchmod(int fd, int permissions, Path path) throws IOException {
        if (LibC.fchmod(fd, permissions) == -1) {
            throw failure(path, LibC.errno());
        }
    }
}
