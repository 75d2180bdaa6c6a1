package dev.taskmaster.server.spawn;

import dev.taskmaster.config.KillMode;
import dev.taskmaster.config.Signal;
import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ProcessLauncher.LaunchedProcess;
import dev.taskmaster.server.engine.ProcessLauncher.SpawnException;
import dev.taskmaster.server.os.Errno;
import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.PidFd;
import dev.taskmaster.server.os.ProcStat;
import dev.taskmaster.server.os.Signals;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process the daemon did not spawn, watched through a pidfd (AdoptProcess). It is not the
 * daemon's child, so its pid may be reused as soon as its parent reaps it: the process itself is
 * signalled through its own pidfd ({@code pidfd_send_signal}), never by pid. Its process group
 * is signalled (stopasgroup, killasgroup, pause) only if it leads one, as a program's process
 * does; otherwise a group signal reaches the process alone, since its group is someone else's.
 * Its output is not captured and its exit status is unknown.
 *
 * <p>Threading: {@link #signal} on the engine thread; the end is seen on the watcher thread,
 * which closes the pidfd under the same lock, so a signal never goes to a closed (or reused)
 * descriptor.
 */
final class AdoptedProcess implements LaunchedProcess {

    private static final Logger log = LoggerFactory.getLogger(AdoptedProcess.class);

    private final int pid;
    /** With the pid, names the process for good: a pid reused by another process has another start time. */
    private final long startTicks;
    private final boolean leadsGroup;
    private int pidfd;
    /** Read by the watcher thread at the end, written by the engine thread. */
    private volatile KillMode mode;

    private AdoptedProcess(int pid, long startTicks, int pidfd, boolean leadsGroup, KillMode mode) {
        this.pid = pid;
        this.startTicks = startTicks;
        this.pidfd = pidfd;
        this.leadsGroup = leadsGroup;
        this.mode = mode;
    }

    /**
     * Starts watching {@code pid}; {@code onExit} gets its end once.
     *
     * @throws SpawnException when it has ended (ESRCH) or cannot be watched
     */
    static AdoptedProcess watch(ChildWatcher watcher, int pid, long startTicks, KillMode mode, Consumer<ExitOutcome> onExit)
            throws SpawnException {
        int own;
        try {
            own = PidFd.open(pid);
        } catch (NativeException e) {
            throw new SpawnException(e.errno() == Errno.ESRCH ? "no process with pid " + pid + " (it has ended)"
                    : "cannot watch pid " + pid + ": " + e.getMessage());
        }
        // Read after the pidfd is open: the pidfd is of whatever has the pid now, which must be the
        // process checked (same start time), not one that got its pid since.
        ProcStat now = ProcStat.of(pid).orElse(null);
        if (now == null || now.isZombie() || now.startTicks() != startTicks) {
            Fds.closeQuietly(own);
            throw new SpawnException("no process with pid " + pid + " (it has ended"
                    + (now != null && !now.isZombie() ? "; the pid now names another process)" : ")"));
        }
        boolean leads = now.pgrp() == pid;
        AdoptedProcess p = new AdoptedProcess(pid, startTicks, own, leads, mode);
        try {
            int watched = Fds.dup(own);
            watcher.watchAdopted(pid, watched, () -> p.leadsGroup && p.mode.killsGroup() && p.groupIsStillItsOwn(), status -> {
                p.ended();
                onExit.accept(status.map(OsProcessLauncher::outcome).orElseGet(ExitOutcome.Unknown::new));
            });
        } catch (NativeException e) {
            p.ended();
            throw new SpawnException("cannot watch pid " + pid + ": " + e.getMessage());
        }
        return p;
    }

    /**
     * Whether the group id {@code pid} can still only mean this process's group, after its end was
     * seen: it is not our child, so its parent may have reaped it and the pid gone to a new
     * process, maybe one leading a session of its own. Either nothing has the pid (members of its
     * group, if any, keep the pid from reuse) or it is this very process, a zombie.
     */
    private boolean groupIsStillItsOwn() {
        return groupIsStillOf(pid, startTicks);
    }

    /** See {@link #groupIsStillItsOwn()}: for the process {@code pid} started at {@code startTicks}, which has ended. */
    static boolean groupIsStillOf(int pid, long startTicks) {
        ProcStat now = ProcStat.of(pid).orElse(null);
        return now == null || (now.isZombie() && now.startTicks() == startTicks);
    }

    private synchronized void ended() {
        if (pidfd >= 0) {
            Fds.closeQuietly(pidfd);
            pidfd = -1;
        }
    }

    @Override
    public int pid() {
        return pid;
    }

    @Override
    public boolean adopted() {
        return true;
    }

    @Override
    public void killModeChanged(KillMode newMode) {
        mode = newMode;
    }

    @Override
    public synchronized void signal(Signal signal, boolean toGroup) {
        if (pidfd < 0) {
            return; // ended: its end is on the way to the engine
        }
        try {
            if (toGroup && leadsGroup) {
                // Its group id is its pid while it lives: a signal 0 through the pidfd says it does
                // (ESRCH once reaped, when the pid could be anyone's), right before the group signal.
                PidFd.sendSignal(pidfd, 0);
                Signals.killProcessGroup(pid, signal.number());
            } else {
                PidFd.sendSignal(pidfd, signal.number());
            }
        } catch (NativeException e) {
            if (e.errno() != Errno.ESRCH) {
                log.warn("cannot send {} to adopted {}{}: {}", signal.displayName(), toGroup && leadsGroup ? "process group " : "pid ",
                        pid, e.getMessage());
            }
        }
    }
}
