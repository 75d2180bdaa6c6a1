package dev.taskmaster.server.os;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a pidfile only when it can be trusted to name the program's process: a regular file (not a
 * FIFO, which would block the reader for good, nor a device), not reached through a symbolic link
 * (O_NOFOLLOW), owned by root or by the program's user, and neither it nor its directory writable
 * by group or others. Anyone who could write it could otherwise point a root daemon at any pid.
 *
 * <p>The file is opened O_NONBLOCK, and its status is that of the open descriptor
 * ({@link OpenFile#status}), so it cannot be swapped between the check and the read.
 *
 * <p>Threading: any thread; nothing is shared. It reads a file, so never the engine's.
 */
public final class PidFiles {

    private static final int FLAGS = LibC.O_RDONLY | LibC.O_NONBLOCK | LibC.O_CLOEXEC | LibC.O_NOCTTY | Layouts.O_NOFOLLOW;

    /** A pidfile that may not be trusted; the message says why, without the path. */
    public static final class Untrusted extends IOException {
        Untrusted(String why) {
            super(why);
        }
    }

    private PidFiles() {}

    /**
     * At most {@code max + 1} bytes of {@code file}; empty when it does not exist.
     *
     * @param owner the uid besides root that may own the file and its directory
     * @throws Untrusted when the file or its directory fails the rules above
     * @throws IOException when it cannot be read
     */
    public static Optional<byte[]> read(Path file, int owner, int max) throws IOException {
        checkDirectory(file.toAbsolutePath().getParent(), owner);
        int fd = OpenFile.open(file, FLAGS, 0);
        if (fd < 0) {
            int errno = LibC.errno();
            if (errno == Errno.ENOENT) {
                return Optional.empty();
            }
            if (errno == Errno.ELOOP) {
                throw new Untrusted("is a symbolic link; a pidfile must be a regular file");
            }
            throw new IOException("cannot open: " + Errno.describe(errno) + " (" + Errno.name(errno) + ")");
        }
        try {
            OpenFile.Status s = OpenFile.status(fd);
            if (!s.regular()) {
                throw new Untrusted("is not a regular file (a FIFO or a device?); a pidfile must be one");
            }
            check("it", s.uid(), s.permissions(), owner);
            // A regular file: opening it again through the descriptor's own path cannot block.
            try (InputStream in = new FileInputStream(OpenFile.procPath(fd).toFile())) {
                return Optional.of(in.readNBytes(max + 1));
            }
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    private static void checkDirectory(Path dir, int owner) throws IOException {
        if (dir == null) {
            return;
        }
        Map<String, Object> a;
        try {
            a = Files.readAttributes(dir, "unix:uid,mode");
        } catch (java.nio.file.NoSuchFileException e) {
            return; // no directory, no file: "missing", said by the open
        }
        check("its directory " + dir, (Integer) a.get("uid"), (Integer) a.get("mode") & 07777, owner);
    }

    private static void check(String what, int uid, int permissions, int owner) throws Untrusted {
        if (uid != 0 && uid != owner) {
            throw new Untrusted(what + " is owned by uid " + uid + ", not by root or uid " + owner
                    + " (the program's user); another user could name any pid in it");
        }
        if ((permissions & 022) != 0) {
            throw new Untrusted(what + " is writable by " + ((permissions & 002) != 0 ? "others" : "its group")
                    + " (mode " + String.format("%04o", permissions) + "); another user could name any pid in it");
        }
    }
}
