package dev.taskmaster.server.os;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Sending signals by pid and by process group ({@code kill}, {@code killpg}), and this
 * process's own disposition of a signal ({@code sigaction}). Prefer
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

    /** glibc's {@code struct sigaction} is 152 bytes on x86-64 and aarch64; its handler comes first. */
    private static final long SIGACTION_SIZE = 256;
    private static final long SIG_DFL = 0;
    private static final long SIG_IGN = 1;

    private Signals() {}

    /** Whether {@code signal} is ignored in this process (an ignored signal stays so across exec). */
    public static boolean isIgnored(int signal) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(SIGACTION_SIZE, 8);
            LibC.check("sigaction", LibC.sigaction(signal, MemorySegment.NULL, old));
            return old.get(ValueLayout.JAVA_LONG, 0) == SIG_IGN;
        }
    }

    /** Gives {@code signal} its default disposition again (and an empty mask, no flags). */
    public static void setDefault(int signal) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment act = arena.allocate(SIGACTION_SIZE, 8); // zeroed: SIG_DFL, no mask, no flags
            act.set(ValueLayout.JAVA_LONG, 0, SIG_DFL);
            LibC.check("sigaction", LibC.sigaction(signal, act, MemorySegment.NULL));
        }
    }

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
