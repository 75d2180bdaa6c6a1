package dev.taskmaster.server.os;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * Stops and continues of this process's children, as the kernel reports them to their parent
 * ({@code waitid(P_ALL, 0, WSTOPPED|WCONTINUED)}): each stop (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU)
 * and each continue (SIGCONT) of a child is reported once, in order, whoever sent the signal.
 * Nothing is reaped: without {@code WEXITED}, ended children are left to their reapers.
 *
 * <p>Threading: any thread; {@link #next} blocks its thread in the kernel.
 */
public final class JobControl {

    /** One report: {@code pid} was stopped by {@code signal}, or continued ({@code signal} is SIGCONT). */
    public record Change(int pid, boolean stopped, int signal) {
    }

    private JobControl() {
    }

    /** SIGSTOP's bit in the pending masks of {@code /proc/PID/status}. */
    private static final long SIGSTOP_BIT = 1L << (Signals.SIGSTOP - 1);

    /**
     * Whether {@code pid} is stopped (state T), or about to be: a SIGSTOP is pending (sent, not
     * yet taken). The pending signals are read first: the kernel takes a SIGSTOP and stops the
     * process under one lock, so a SIGSTOP no longer pending then is seen in the state read after.
     *
     * @return empty when the process cannot be read (it is gone)
     */
    public static Optional<Boolean> stoppedOrStopping(int pid) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("SigPnd:") || line.startsWith("ShdPnd:")) {
                    if ((Long.parseUnsignedLong(line.substring(7).trim(), 16) & SIGSTOP_BIT) != 0) {
                        return Optional.of(true);
                    }
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty();
        }
        return ProcStat.of(pid).map(s -> s.state() == 'T');
    }

    /**
     * Waits for the next stop or continue of any child and consumes its report.
     *
     * @return the change, or empty when this process has no child at all (ECHILD): nothing can come
     *         until one is spawned
     */
    public static Optional<Change> next() throws NativeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(Layouts.SIGINFO);
            while (true) {
                if (LibC.waitid(LibC.P_ALL, 0, info, LibC.WSTOPPED | LibC.WCONTINUED) == -1) {
                    int errno = LibC.errno();
                    if (errno == Errno.ECHILD) {
                        return Optional.empty();
                    }
                    if (errno != Errno.EINTR) {
                        throw new NativeException("waitid", errno);
                    }
                    continue;
                }
                int pid = info.get(JAVA_INT, Layouts.SI_PID);
                int code = info.get(JAVA_INT, Layouts.SI_CODE);
                if (pid == 0 || (code != LibC.CLD_STOPPED && code != LibC.CLD_CONTINUED)) {
                    continue; // a traced child's report (CLD_TRAPPED): not ours to act on
                }
                return Optional.of(new Change(pid, code == LibC.CLD_STOPPED, info.get(JAVA_INT, Layouts.SI_STATUS)));
            }
        }
    }
}
