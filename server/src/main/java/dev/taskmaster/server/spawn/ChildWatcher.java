package dev.taskmaster.server.spawn;

import dev.taskmaster.server.os.Epoll;
import dev.taskmaster.server.os.Errno;
import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.JobControl;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.PidFd;
import dev.taskmaster.server.os.Signals;
import dev.taskmaster.server.os.WaitStatus;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns of child exits the moment they happen, with no thread per child and no polling: each
 * child's pidfd is in one epoll set, and one thread reaps whichever becomes readable (waitid on
 * the pidfd gives the exact status and removes the zombie). {@link #watch} may be called from
 * any thread; callbacks run on the watcher thread and must not block.
 *
 * <p>The watched children are the main processes of programs. Other children of the daemon (a
 * subreaper: descendants whose parent died) are reaped by {@link Descendants}, which asks
 * {@link #isWatched} and takes {@link #whileNoSpawnPending} so that it never reaps a main
 * process, not even one that has just been spawned and is not watched yet.
 */
public final class ChildWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChildWatcher.class);

    /** @param onEnd the wait status; empty for an adopted process that is not this process's child */
    private record Child(int pid, int pidfd, BooleanSupplier killGroup, Consumer<Optional<WaitStatus>> onEnd,
            boolean adopted) {
    }

    private final EpollLoop loop;
    private final Map<Long, Child> children = new ConcurrentHashMap<>();
    /** The pids of {@link #children}: main processes that only this watcher may reap. */
    private final Set<Integer> pids = ConcurrentHashMap.newKeySet();
    /** Pid → who hears its stops and continues; guarded by itself (see {@link #onStopOrContinue}). */
    private final Map<Integer, Consumer<JobControl.Change>> jobListeners = new java.util.HashMap<>();
    /** Guarded by {@link #jobListeners}: the last report about a watched child that has no listener yet. */
    private final Map<Integer, JobControl.Change> unheard = new java.util.HashMap<>();
    /** Pid → this watcher's handler at the {@link JobControlReader}, to unregister exactly it. */
    private final Map<Integer, Consumer<JobControl.Change>> readerHandlers = new ConcurrentHashMap<>();
    /** Shared by spawns from before posix_spawn until watch(); exclusive for a reaper of other children. */
    private final ReentrantReadWriteLock spawnGate = new ReentrantReadWriteLock(true);

    public ChildWatcher() throws NativeException {
        loop = new EpollLoop("child-watcher");
    }

    /**
     * Reports the exit of {@code pid}, a child of this process, exactly once, on the watcher thread.
     * With {@code killGroupOnExit}, whatever is left of its process group (pgid = pid) is sent
     * SIGKILL when it exits, before it is reaped: while the zombie exists its pid, and so the group
     * id, cannot be reused, so the signal cannot reach a stranger. That is what makes a group
     * stop leave nothing behind, even a grandchild forked after the stop signal went out.
     */
    public void watch(int pid, boolean killGroupOnExit, Consumer<WaitStatus> onExit) throws NativeException {
        watch(pid, () -> killGroupOnExit, onExit);
    }

    /**
     * As {@link #watch(int, boolean, Consumer)}, asking {@code killGroupOnExit} at the exit: the
     * program's kill mode may have changed while it ran (a reload, an update).
     */
    public void watch(int pid, BooleanSupplier killGroupOnExit, Consumer<WaitStatus> onExit) throws NativeException {
        int pidfd = PidFd.open(pid);
        add(new Child(pid, pidfd, killGroupOnExit, status -> onExit.accept(status.orElseThrow()), false));
    }

    /**
     * Reports the end of {@code pid}, a process this daemon did not spawn (adopted), exactly
     * once, on the watcher thread. Its parent reaps it, not this daemon, so all there is to know
     * is that its pidfd became readable: it has ended, how is unknown ({@code onEnd} gets empty).
     * Should it be a child of this daemon after all (a descendant re-parented to the subreaper),
     * it is reaped here and its status reported. {@code killGroupOnExit} is asked at the end,
     * and must say true only for a process that leads its own group.
     *
     * @param pidfd a pidfd of the process, owned by this watcher from now on (closed when it ends,
     *              or now if it cannot be watched)
     */
    public void watchAdopted(int pid, int pidfd, BooleanSupplier killGroupOnExit, Consumer<Optional<WaitStatus>> onEnd)
            throws NativeException {
        add(new Child(pid, pidfd, killGroupOnExit, onEnd, true));
    }

    private void add(Child child) throws NativeException {
        try {
            // Registered under the lock of the map entry's creation, so reap() always finds it.
            synchronized (children) {
                pids.add(child.pid());
                long token = loop.add(child.pidfd(), Epoll.EPOLLIN, this::reap);
                children.put(token, child);
            }
            if (!child.adopted()) {
                // Registered before the child can be stopped by anyone but its spawner's caller: no report is missed.
                Consumer<JobControl.Change> handler = change -> stoppedOrContinued(child.pid(), change);
                readerHandlers.put(child.pid(), handler);
                JobControlReader.get().register(child.pid(), handler);
            }
        } catch (NativeException e) {
            pids.remove(child.pid());
            forgetJobControl(child.pid());
            Fds.closeQuietly(child.pidfd());
            throw e;
        }
    }

    /**
     * The lock a spawner holds (shared with other spawners) from before it spawns a child until
     * the child is {@link #watch watched} or reaped: while it is held, a child of the daemon that
     * is not watched may be a main process about to be.
     */
    public Lock spawning() {
        return spawnGate.readLock();
    }

    /** Runs {@code action} while no spawn is between its posix_spawn and its {@link #watch}. */
    public <T> T whileNoSpawnPending(Supplier<T> action) {
        spawnGate.writeLock().lock();
        try {
            return action.get();
        } finally {
            spawnGate.writeLock().unlock();
        }
    }

    /**
     * Stops reaping, for a re-exec: returns once no spawn is between its posix_spawn and its
     * {@link #watch}, no other reaper ({@link Descendants}) runs, and the watcher thread calls no
     * callback any more. A child that ends from now on stays a zombie, reaped with its real
     * status by the next program. Call {@link #resumeReaping} from the same thread.
     *
     * @return false (and nothing is held) when the watcher did not stop within {@code millis}
     */
    public boolean stopReaping(long millis) throws InterruptedException {
        if (!spawnGate.writeLock().tryLock(millis, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            return false;
        }
        if (!loop.suspend(millis)) {
            loop.unsuspend();
            spawnGate.writeLock().unlock();
            return false;
        }
        return true;
    }

    /** Reaps again after {@link #stopReaping}; from the thread that called it. */
    public void resumeReaping() {
        loop.unsuspend();
        spawnGate.writeLock().unlock();
    }

    /** Whether {@code pid} is a main process this watcher will reap. */
    public boolean isWatched(int pid) {
        return pids.contains(pid);
    }

    /** How many children are being watched (not yet reaped). */
    public int size() {
        return children.size();
    }

    private void reap(long token, int events) {
        Child child;
        synchronized (children) {
            child = children.get(token);
        }
        if (child == null) {
            return;
        }
        if (killGroup(child)) {
            // A readable pidfd means the process has ended and is still a zombie: see watch().
            try {
                Signals.killProcessGroup(child.pid(), Signals.SIGKILL);
            } catch (NativeException e) {
                if (e.errno() != Errno.ESRCH) {
                    log.warn("cannot kill what is left of process group {}: {}", child.pid(), e.getMessage());
                }
            }
        }
        Optional<WaitStatus> status;
        try {
            status = PidFd.tryWait(child.pidfd());
            if (status.isEmpty()) {
                return; // readable but not yet waitable: the next readiness will tell
            }
        } catch (NativeException e) {
            if (!(child.adopted() && e.errno() == Errno.ECHILD)) {
                log.error("cannot wait for pid {}: {}", child.pid(), e.getMessage());
                return;
            }
            status = Optional.empty(); // not our child: readable means it has ended; how, only its parent learns
        }
        children.remove(token);
        pids.remove(child.pid());
        forgetJobControl(child.pid());
        loop.remove(token, child.pidfd());
        Fds.closeQuietly(child.pidfd());
        try {
            child.onEnd().accept(status);
        } catch (RuntimeException e) {
            log.error("exit callback for pid {} failed", child.pid(), e);
        }
    }

    /**
     * Tells {@code listener}, on the job-control thread, each time the watched child {@code pid}
     * is stopped or continued (by anyone); the last report from before this call is told at once.
     * The listener must not block. Nothing happens for a pid that is not watched (it has ended).
     */
    public void onStopOrContinue(int pid, Consumer<JobControl.Change> listener) {
        synchronized (jobListeners) {
            if (!pids.contains(pid)) {
                return;
            }
            jobListeners.put(pid, listener);
            JobControl.Change missed = unheard.remove(pid);
            if (missed != null) {
                tell(listener, missed);
            }
        }
    }

    private void stoppedOrContinued(int pid, JobControl.Change change) {
        // Under the lock, so that a report told late (onStopOrContinue) cannot pass a newer one.
        synchronized (jobListeners) {
            Consumer<JobControl.Change> listener = jobListeners.get(pid);
            if (listener == null) {
                if (pids.contains(pid)) {
                    unheard.put(pid, change);
                }
                return;
            }
            tell(listener, change);
        }
    }

    private static void tell(Consumer<JobControl.Change> listener, JobControl.Change change) {
        try {
            listener.accept(change);
        } catch (RuntimeException e) {
            log.error("stop/continue callback for pid {} failed", change.pid(), e);
        }
    }

    private void forgetJobControl(int pid) {
        Consumer<JobControl.Change> handler = readerHandlers.remove(pid);
        if (handler != null) {
            JobControlReader.get().unregister(pid, handler);
        }
        synchronized (jobListeners) {
            jobListeners.remove(pid);
            unheard.remove(pid);
        }
    }

    private static boolean killGroup(Child child) {
        try {
            return child.killGroup().getAsBoolean();
        } catch (RuntimeException e) {
            log.error("cannot tell whether to kill what is left of process group {}; killing it", child.pid(), e);
            return true;
        }
    }

    @Override
    public void close() {
        loop.close();
        children.values().forEach(c -> Fds.closeQuietly(c.pidfd()));
    }
}
