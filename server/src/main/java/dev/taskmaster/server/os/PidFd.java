package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Process descriptors: a handle on one process that, unlike its pid, can never come to mean
 * another process. It becomes readable (EPOLLIN) when the process exits, so one {@link Epoll}
 * learns of every child's exit without a thread per child.
 *
 * <p>A pidfd is close-on-exec and owned by the caller; close it with {@link Fds#close} after
 * the child is reaped.
 *
 * <p>Threading: any thread, but each child should be reaped by one owner: after a successful
 * {@link #tryWait}, the child is gone and further waits fail with ECHILD.
 */
public final class PidFd {

    private PidFd() {}

    /**
     * Opens a pidfd for {@code pid} ({@code pidfd_open}). For a child of this process that has
     * not been reaped the pid cannot have been reused, so this is race-free right after
     * {@link PosixSpawn#spawn}. ESRCH when there is no such process.
     */
    public static int open(int pid) throws NativeException {
        return LibC.check("pidfd_open", LibC.pidfdOpen(pid, 0));
    }

    /**
     * Reaps the child if it has ended ({@code waitid(P_PIDFD, pidfd, WEXITED|WNOHANG)}).
     *
     * @return the status, or empty while the child is still running
     * @throws NativeException ECHILD if the process is not an unreaped child of this process
     */
    public static Optional<WaitStatus> tryWait(int pidfd) throws NativeException {
        return reapIfEnded(LibC.P_PIDFD, pidfd);
    }

    /**
     * Reaps the child {@code pid} if it has ended ({@code waitid(P_PID, pid, WEXITED|WNOHANG)}):
     * for a child that has no pidfd, an adopted descendant. Only safe for a pid known to be an
     * unreaped child of this process (its number cannot have been reused), that no one else
     * waits for.
     *
     * @return the status, or empty while it is still running
     * @throws NativeException ECHILD if it is not an unreaped child of this process
     */
    public static Optional<WaitStatus> tryWaitPid(int pid) throws NativeException {
        if (pid <= 0) {
            throw new IllegalArgumentException("not a process id: " + pid);
        }
        return reapIfEnded(LibC.P_PID, pid);
    }

    /** {@code waitid(idtype, id, WEXITED|WNOHANG)}, retried on EINTR: the status, or empty while still running. */
    private static Optional<WaitStatus> reapIfEnded(int idtype, int id) throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(Layouts.SIGINFO); // zeroed: si_pid == 0 means "still running"
            while (LibC.waitid(idtype, id, info, LibC.WEXITED | LibC.WNOHANG) == -1) {
                int errno = LibC.errno();
                if (errno != Errno.EINTR) {
                    throw new NativeException("waitid", errno);
                }
            }
            if (info.get(JAVA_INT, Layouts.SI_PID) == 0) {
                return Optional.empty();
            }
            return Optional.of(status(info.get(JAVA_INT, Layouts.SI_CODE), info.get(JAVA_INT, Layouts.SI_STATUS)));
        }
    }

    /**
     * A child of this process that has ended and waits to be reaped, without reaping it
     * ({@code waitid(P_ALL, 0, WEXITED|WNOHANG|WNOWAIT)}): a cheap test of whether any is there.
     *
     * @return its pid, or 0 when there is none (also when this process has no children at all)
     */
    public static int waitableChild() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(Layouts.SIGINFO);
            while (LibC.waitid(LibC.P_ALL, 0, info, LibC.WEXITED | LibC.WNOHANG | LibC.WNOWAIT) == -1) {
                int errno = LibC.errno();
                if (errno == Errno.ECHILD) {
                    return 0;
                }
                if (errno != Errno.EINTR) {
                    throw new NativeException("waitid", errno);
                }
            }
            return info.get(JAVA_INT, Layouts.SI_PID);
        }
    }

    /**
     * Kills a child that cannot be supervised (SIGKILL to its process group: it leads its own
     * session) and reaps it, waiting for it: for a spawn whose watching could not be set up, so
     * that no child is ever left unsupervised. Errors are ignored: it is a last resort.
     */
    public static void killAndReap(int pid) {
        try {
            Signals.killProcessGroup(pid, Signals.SIGKILL);
        } catch (NativeException e) {
            // gone already, or not a group leader yet: the kill below covers the process itself
        }
        try {
            Signals.kill(pid, Signals.SIGKILL);
        } catch (NativeException e) {
            // already gone
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(Layouts.SIGINFO);
            while (LibC.waitid(LibC.P_PID, pid, info, LibC.WEXITED) == -1 && LibC.errno() == Errno.EINTR) {
                // retry
            }
        }
    }

    /**
     * Sends {@code signal} to the process ({@code pidfd_send_signal}). Safe against pid reuse:
     * a process that has exited (even if not yet reaped) is never confused with a newer one.
     * ESRCH when the process has already exited.
     */
    public static void sendSignal(int pidfd, int signal) throws NativeException {
        LibC.check("pidfd_send_signal", LibC.pidfdSendSignal(pidfd, signal));
    }

    static WaitStatus status(int code, int status) {
        return switch (code) {
            case LibC.CLD_EXITED -> new WaitStatus.Exited(status);
            case LibC.CLD_KILLED -> new WaitStatus.Killed(status, false);
            case LibC.CLD_DUMPED -> new WaitStatus.Killed(status, true);
            default -> throw new IllegalStateException("waitid(WEXITED) reported si_code " + code);
        };
    }
}
