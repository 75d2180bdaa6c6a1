package dev.taskmaster.server.os;

/**
 * Sending signals by pid and by process group ({@code kill}, {@code killpg}). Prefer
 * {@link PidFd#sendSignal} for a single child: a pid may be reused once the child is reaped.
 *
 * <p>Threading: any thread.
 */
public final class Signals {

    public static final int SIGHUP = 1;
    public static final int SIGINT = 2;
    public static final int SIGQUIT = 3;
    public static final int SIGKILL = 9;
    public static final int SIGUSR1 = 10;
    public static final int SIGSEGV = 11;
    public static final int SIGUSR2 = 12;
    public static final int SIGTERM = 15;
    public static final int SIGCHLD = 17;
    public static final int SIGCONT = 18;
    public static final int SIGSTOP = 19;

    private Signals() {}

    /** {@code kill(pid, signal)}; ESRCH (see {@link NativeException#errno()}) when no such process. */
    public static void kill(int pid, int signal) throws NativeException {
        if (pid <= 0) {
            // kill(0) and kill(-n) address groups, kill(-1) everything: never by accident.
            throw new IllegalArgumentException("not a process id: " + pid);
        }
        LibC.check("kill", LibC.kill(pid, signal));
    }

    /** {@code killpg(pgid, signal)}: every process in the group; ESRCH when the group is empty. */
    public static void killProcessGroup(int pgid, int signal) throws NativeException {
        if (pgid <= 1) {
            throw new IllegalArgumentException("not a process group id: " + pgid);
        }
        LibC.check("killpg", LibC.killpg(pgid, signal));
    }
}
