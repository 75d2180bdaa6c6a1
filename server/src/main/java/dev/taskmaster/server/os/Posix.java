package dev.taskmaster.server.os;

/**
 * Process-wide credentials and the file-mode creation mask.
 *
 * <p>Threading: any thread. {@link #umask} changes state shared by every thread of the daemon
 * (and inherited by every child spawned afterwards), so set it once at start-up.
 */
public final class Posix {

    private Posix() {}

    /** Sets the process umask (e.g. {@code 022}) and returns the previous one. */
    public static int umask(int mask) {
        if ((mask & ~0777) != 0) {
            throw new IllegalArgumentException("umask must be within 0777: " + Integer.toOctalString(mask));
        }
        return LibC.umask(mask);
    }

    public static int getuid() {
        return LibC.getuid();
    }

    public static int geteuid() {
        return LibC.geteuid();
    }

    public static int getgid() {
        return LibC.getgid();
    }

    public static int getegid() {
        return LibC.getegid();
    }

    public static int getpid() {
        return LibC.getpid();
    }
}
