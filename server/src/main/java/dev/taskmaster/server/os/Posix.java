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

    /**
     * Makes this process a child subreaper ({@code prctl(PR_SET_CHILD_SUBREAPER)}), or stops it
     * being one: a descendant whose parent dies is then re-parented to this process instead of
     * init, and its exit must be reaped here (see {@code spawn.Descendants}).
     */
    public static void setChildSubreaper(boolean on) throws NativeException {
        LibC.check("prctl(PR_SET_CHILD_SUBREAPER)", LibC.prctl(LibC.PR_SET_CHILD_SUBREAPER, on ? 1 : 0));
    }

    /** Whether this process is a child subreaper. */
    public static boolean isChildSubreaper() throws NativeException {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment flag = arena.allocate(java.lang.foreign.ValueLayout.JAVA_INT);
            LibC.check("prctl(PR_GET_CHILD_SUBREAPER)", LibC.prctl(LibC.PR_GET_CHILD_SUBREAPER, flag.address()));
            return flag.get(java.lang.foreign.ValueLayout.JAVA_INT, 0) != 0;
        }
    }
}
