package dev.taskmaster.server.os;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where one of a child's standard descriptors (0, 1 or 2) comes from.
 *
 * <p>Threading: immutable values.
 */
public sealed interface Stdio {

    /** {@code /dev/null}, opened read-write in the child. */
    record DevNull() implements Stdio {}

    /**
     * A file opened in the child with {@code O_WRONLY|O_APPEND|O_CREAT}, mode 0644 minus the
     * daemon's umask. A relative path is resolved against the daemon's working directory, not
     * the child's: file actions run before the change of directory.
     */
    record AppendFile(Path path) implements Stdio {
        public AppendFile {
            Objects.requireNonNull(path, "path");
        }
    }

    /** A file opened read-only in the child (for stdin). Relative paths as for {@link AppendFile}. */
    record ReadFile(Path path) implements Stdio {
        public ReadFile {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * The slave side of a pseudo-terminal, opened read-write in the child <em>without</em>
     * O_NOCTTY. As stdin of a child started in a new session (posix_spawn runs setsid() before
     * the file actions), the open makes it the child's controlling terminal; as stdout or stderr
     * next to a terminal stdin with the same path it is a dup2 of descriptor 0.
     */
    record Terminal(Path slave) implements Stdio {
        public Terminal {
            Objects.requireNonNull(slave, "slave");
        }
    }

    /** Whatever the daemon's own descriptor of the same number is. */
    record Inherit() implements Stdio {}

    /**
     * A descriptor of the daemon (a pipe end, a pty slave) duplicated onto the child's
     * descriptor with {@code dup2}, which clears close-on-exec on the copy, so the parent's
     * descriptor may (and should) be {@code O_CLOEXEC}. The parent keeps its own descriptor
     * open; closing it after the spawn is the caller's job.
     */
    record Fd(int parentFd) implements Stdio {
        public Fd {
            if (parentFd < 0) {
                throw new IllegalArgumentException("negative file descriptor: " + parentFd);
            }
        }
    }

    static Stdio devNull() {
        return new DevNull();
    }

    static Stdio inherit() {
        return new Inherit();
    }

    static Stdio fd(int parentFd) {
        return new Fd(parentFd);
    }

    static Stdio appendTo(Path file) {
        return new AppendFile(file);
    }

    static Stdio readFrom(Path file) {
        return new ReadFile(file);
    }
}
