package dev.taskmaster.server.os;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Log files opened for appending with a chosen permission mode: a file made now gets exactly
 * that mode (whatever the umask), and is never made through a symbolic link (O_EXCL); an
 * existing file this user owns loses any permission beyond it, and is never widened. Both are
 * done on the open descriptor ({@code fchmod}), so the file changed is the one opened, not
 * whatever the path names a moment later. An existing path that is a symbolic link is still
 * opened through it (a log may be a link someone made on purpose, {@code /dev/stdout}), but
 * what it points to is not tightened: that file is someone else's business. Files of other
 * users and non-regular files ({@code /dev/null}, a FIFO) are left as they are too.
 *
 * <p>Threading: any thread; nothing is shared.
 */
public final class FileModes {

    private static final int CREATE = LibC.O_WRONLY | LibC.O_APPEND | LibC.O_CREAT | LibC.O_EXCL | LibC.O_CLOEXEC
            | LibC.O_NOCTTY;
    private static final int EXISTING = LibC.O_WRONLY | LibC.O_APPEND | LibC.O_CLOEXEC | LibC.O_NOCTTY;

    private FileModes() {}

    /**
     * Opens {@code path} for appending, creating it with {@code permissions} (e.g. {@code 0640})
     * or tightening it as the class says.
     */
    public static FileChannel openAppend(Path path, int permissions) throws IOException {
        int fd = openOrCreate(path, permissions);
        try {
            // The descriptor's own path opens the very same file again, as a channel.
            return FileChannel.open(OpenFile.procPath(fd), StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } finally {
            Fds.closeQuietly(fd);
        }
    }

    /** Creates {@code path} or tightens it, as {@link #openAppend} does, for a writer that opens it by name next. */
    public static void prepare(Path path, int permissions) throws IOException {
        Fds.closeQuietly(openOrCreate(path, permissions));
    }

    private static int openOrCreate(Path path, int permissions) throws IOException {
        if ((permissions & ~0777) != 0) {
            throw new IllegalArgumentException("permissions must be within 0777: " + Integer.toOctalString(permissions));
        }
        // Twice at most: the file can be removed between a failed create and the open of the existing one.
        for (int attempt = 0; ; attempt++) {
            int fd = OpenFile.open(path, CREATE, permissions);
            if (fd >= 0) {
                return withPermissions(fd, path, permissions);
            }
            int errno = LibC.errno();
            if (errno != Errno.EEXIST) {
                throw OpenFile.failure(path, errno);
            }
            fd = OpenFile.open(path, EXISTING | Layouts.O_NOFOLLOW, 0);
            if (fd >= 0) {
                return tightened(fd, path, permissions);
            }
            errno = LibC.errno();
            if (errno == Errno.ELOOP) {
                fd = OpenFile.open(path, EXISTING, 0);
                if (fd >= 0) {
                    return fd;
                }
                errno = LibC.errno();
            }
            if (errno != Errno.ENOENT || attempt == 1) {
                throw OpenFile.failure(path, errno);
            }
        }
    }

    /** A file just made: the umask took bits away from {@code permissions}; give them back. */
    private static int withPermissions(int fd, Path path, int permissions) throws IOException {
        try {
            OpenFile.fchmod(fd, permissions, path);
            return fd;
        } catch (IOException e) {
            Fds.closeQuietly(fd);
            throw e;
        }
    }

    private static int tightened(int fd, Path path, int permissions) throws IOException {
        try {
            OpenFile.Status s = OpenFile.status(fd);
            int now = s.permissions() & 0777;
            if (s.regular() && s.uid() == LibC.geteuid() && (now & ~permissions) != 0) {
                OpenFile.fchmod(fd, now & permissions, path);
            }
            return fd;
        } catch (IOException e) {
            Fds.closeQuietly(fd);
            throw e;
        }
    }
}
