package dev.taskmaster.server.spawn;

import dev.taskmaster.config.KillMode;
import dev.taskmaster.server.os.Errno;
import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.PidFd;
import dev.taskmaster.server.os.Posix;
import dev.taskmaster.server.os.ProcStat;
import dev.taskmaster.server.os.Signals;
import dev.taskmaster.server.os.WaitStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything the programs started, beyond their main processes. The daemon is a child subreaper
 * ({@code prctl(PR_SET_CHILD_SUBREAPER)}), so a descendant whose parent dies becomes its child:
 * this class reaps those (never a main process, which only the {@link ChildWatcher} reaps),
 * attributes every descendant to a program, and, once a program's main process has ended,
 * kills what remains of it ({@link KillMode#killsGroup()}) or counts it as leftover
 * ({@link KillMode#PROCESS}).
 *
 * <p>Attribution: a program's main process leads a session of its own (posix_spawn with
 * SETSID), and no descendant can join another existing session, so a process of that session
 * is the program's; one that left it (setsid, a double-forking daemon) and became the daemon's
 * child is the program's whose {@code TASKMASTER_PROCESS_NAME} it still carries. The daemon's
 * own session is never touched: children the JVM starts itself stay there.
 *
 * <p>Timing: one sweeper thread looks at {@code /proc} when told a main process has ended
 * ({@link Run#ended}; at most once every {@link #NUDGE_GAP}), and twice a second only while there is something to look after (what
 * remains of an ended run to kill, a waitable child); kept leftovers are counted again every
 * {@link #RECOUNT}. A waitable child that is no main process (an orphan handed to this
 * subreaper that has ended since) is looked for every {@link #ORPHAN_LOOK}: that {@code waitid}
 * walks every child the daemon has, ~0.2 ms with 1,000 programs, and was most of an idle
 * daemon's CPU twice a second. Orphans that end when a main process does are reaped by the look
 * its exit asks for. A look at {@code /proc} reads every process's {@code stat} (about 0.1 ms each
 * on a loaded 2-core machine).
 *
 * <p>Seams: {@link #register} is how any process the daemon is to answer for enters — a
 * spawned one today; an adopted pid, or a survivor of a previous daemon, later (its session
 * and start time are all that is needed, both in {@code /proc}).
 *
 * <p>Threading: every public method may be called from any thread; the work is done on the
 * sweeper thread; {@link #leftovers} reads an immutable snapshot.
 */
public final class Descendants implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Descendants.class);
    static final Duration TICK = Duration.ofMillis(500);
    /** The least time between two looks asked for by exits ({@link #nudge}). */
    static final Duration NUDGE_GAP = Duration.ofMillis(20);
    /** How often kept leftovers are counted again when nothing else calls for a look. */
    static final Duration RECOUNT = Duration.ofSeconds(5);
    /** How often the tick asks the kernel for an ended child that is no main process (see the class comment). */
    static final Duration ORPHAN_LOOK = Duration.ofSeconds(2);
    /** The variable every program gets (OsProcessLauncher): how a descendant that left its session is known. */
    static final String NAME_VARIABLE = "TASKMASTER_PROCESS_NAME";

    /** One main process and its session (whose id is its pid). */
    public final class Run {
        private final String instance;
        private final int sid;
        private final long startTicks;
        private volatile KillMode mode;
        private volatile boolean ended;
        /** Ended, and all that remains of its session refused SIGKILL (e.g. setuid): nothing to do until that changes. */
        private volatile boolean onlyRefusals;

        private Run(String instance, int sid, long startTicks, KillMode mode) {
            this.instance = instance;
            this.sid = sid;
            this.startTicks = startTicks;
            this.mode = mode;
        }

        public KillMode mode() {
            return mode;
        }

        /** A new kill mode, applied at once: to the main process's exit, and to what is left afterwards. */
        public void modeChanged(KillMode newMode) {
            mode = newMode;
            if (ended) {
                nudge();
            }
        }

        /** The main process has been reaped: what remains of its session is leftover from now on. */
        public void ended() {
            ended = true;
            endedRuns.add(this);
            nudge();
        }
    }

    /** What remains of one instance's ended processes, left running by killmode process. */
    public record Leftovers(int count, KillMode mode) {
    }

    private final ChildWatcher watcher;
    private final int self;
    private final int ownSession;
    private final Map<Integer, Run> runs = new ConcurrentHashMap<>();
    /**
     * The runs of {@link #runs} whose main process has ended: what the tick looks through twice a
     * second. Walking all of them (1,000 with as many programs) cost more than the look itself.
     */
    private final Set<Run> endedRuns = ConcurrentHashMap.newKeySet();
    /** The newest run of each instance: what a process that left its session is measured against. */
    private final Map<String, Run> newest = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper;
    private final AtomicBoolean nudged = new AtomicBoolean();
    /** When the last look began (System.nanoTime); read by {@link #nudge} on any thread. */
    private volatile long lastSweep = System.nanoTime() - NUDGE_GAP.toNanos();
    /** When the tick last asked for a waitable child; sweeper thread only. */
    private long lastOrphanLook = System.nanoTime();
    private volatile Map<String, Leftovers> leftovers = Map.of();
    /** Processes that refused SIGKILL (EPERM: setuid, another user's), by pid and start time; sweeper thread only. */
    private final Set<Refusal> refusals = new HashSet<>();

    private record Refusal(int pid, long startTicks) {
    }
    /** Leftover pids already named in the daemon log, so each is named once. */
    private final java.util.Set<Integer> reported = new java.util.HashSet<>();

    /**
     * Main processes a re-exec kept as this process's children, by pid and start ticks: until the
     * engine watches them, one that has ended is not a leftover to reap, or its exit status would
     * be lost. Matched with start ticks, so a pid reused later is not left alone by mistake.
     */
    private final Set<Refusal> awaited;

    /** Makes this process a child subreaper and starts sweeping. */
    public Descendants(ChildWatcher watcher) throws NativeException {
        this(watcher, Map.of());
    }

    /**
     * @param awaited pid → start ticks of children kept across a re-exec that the engine is about
     *                to watch: never reaped here (their exits are the ChildWatcher's to report)
     */
    public Descendants(ChildWatcher watcher, Map<Integer, Long> awaited) throws NativeException {
        this.awaited = new HashSet<>();
        awaited.forEach((pid, ticks) -> this.awaited.add(new Refusal(pid, ticks)));
        this.watcher = watcher;
        this.self = Posix.getpid();
        this.ownSession = ProcStat.of(self).map(ProcStat::session).orElse(self);
        Posix.setChildSubreaper(true);
        sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "descendants");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts answering for the session that main process {@code pid} of {@code instance} leads. */
    public Run register(String instance, int pid, KillMode mode) {
        long start = ProcStat.of(pid).map(ProcStat::startTicks).orElse(0L);
        Run run = new Run(instance, pid, start, mode);
        Run replaced = runs.put(pid, run);
        if (replaced != null) {
            endedRuns.remove(replaced);
        }
        newest.put(instance, run);
        return run;
    }

    /** How many processes of {@code instance}'s ended processes are left running (killmode process); 0 if none. */
    public int leftovers(String instance) {
        Leftovers l = leftovers.get(instance);
        return l == null ? 0 : l.count();
    }

    /** Every instance with leftovers, as the last sweep found them. */
    public Map<String, Leftovers> leftovers() {
        return leftovers;
    }

    /**
     * Looks at {@code /proc} soon, on the sweeper thread: at once, or {@link #NUDGE_GAP} after the
     * last look if that was more recent. A crash loop of hundreds of exits a second nudged a look
     * per exit, back to back: the sweeper took as much CPU as the engine and the spawners
     * together. What the look is for (descendants outside the group the exit already killed,
     * orphans to reap) waits at most that long more.
     */
    public void nudge() {
        if (nudged.compareAndSet(false, true)) {
            try {
                long wait = lastSweep + NUDGE_GAP.toNanos() - System.nanoTime();
                sweeper.schedule(this::sweepQuietly, Math.max(0, wait), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                nudged.set(false);
            }
        }
    }

    /**
     * For the end of a shutdown, once every main process has ended: kills what remains of every
     * program whose kill mode kills its group (and descendants no program can be named for, unless
     * some program keeps its leftovers), and waits up to {@code limit} for them to be reaped.
     *
     * @return how many processes are left running, by killmode process
     */
    public int finish(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        runs.values().forEach(r -> {
            r.ended = true;
            endedRuns.add(r);
        });
        while (true) {
            Sweep s = submitSweep(true);
            if (s == null || s.killed == 0 && s.zombies == 0 || System.nanoTime() > deadline) {
                int kept = s == null ? 0 : s.kept;
                if (kept > 0) {
                    log.warn("{} leftover process{} of killmode process program{} left running: {}", kept,
                            kept == 1 ? "" : "es", kept == 1 ? "" : "s", s.keptPids);
                }
                return kept;
            }
            // What was killed is reaped once it has died: look again shortly.
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    /** One look at /proc now, on the sweeper thread, returning once it is done (for tests that widen races). */
    void sweepNow() {
        submitSweep(false);
    }

    private Sweep submitSweep(boolean finishing) {
        try {
            return sweeper.submit(() -> sweep(finishing)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.RejectedExecutionException e) {
            log.error("cannot look after the programs' descendants", e);
            return null;
        }
    }

    private void tick() {
        try {
            // Only when there is something to look after: what remains of an ended run to kill, a child
            // to reap (a kept leftover that ends is one), and now and then a recount of the kept ones
            // (those that are not the daemon's children end unseen).
            boolean due = endedRuns.stream().anyMatch(r -> r.mode.killsGroup() && !r.onlyRefusals);
            if (!due && System.nanoTime() - lastOrphanLook >= ORPHAN_LOOK.toNanos()) {
                lastOrphanLook = System.nanoTime();
                int waitable = PidFd.waitableChild();
                due = waitable != 0 && !watcher.isWatched(waitable) && awaited.stream().noneMatch(a -> a.pid() == waitable);
            }
            if (!due && !leftovers.isEmpty()) {
                due = System.nanoTime() - lastSweep > RECOUNT.toNanos();
            }
            if (due) {
                sweep(false);
            }
        } catch (NativeException | RuntimeException e) {
            log.error("cannot look after the programs' descendants", e);
        }
    }

    private void sweepQuietly() {
        nudged.set(false);
        try {
            sweep(false);
        } catch (RuntimeException e) {
            log.error("cannot look after the programs' descendants", e);
        }
    }

    /** What one look at /proc did. */
    private static final class Sweep {
        int killed;
        int zombies;
        int kept;
        final List<Integer> keptPids = new ArrayList<>();
    }

    private Sweep sweep(boolean finishing) {
        lastSweep = System.nanoTime();
        Sweep result = new Sweep();
        Map<Integer, Integer> members = new HashMap<>();
        Map<Integer, Integer> killable = new HashMap<>();
        Set<Refusal> seen = new HashSet<>();
        Map<String, Leftovers> counts = new HashMap<>();
        boolean anyProcessMode = runs.values().stream().anyMatch(r -> r.mode == KillMode.PROCESS);
        for (ProcStat p : ProcStat.all()) {
            if (p.pid() == self || p.session() == ownSession) {
                continue; // the daemon's own session: children of the JVM itself, never ours to touch
            }
            boolean child = p.ppid() == self;
            if (child && p.isZombie()) {
                if (!awaited.contains(new Refusal(p.pid(), p.startTicks())) && reap(p)) {
                    result.zombies++;
                }
                continue;
            }
            Run run = runs.get(p.session());
            if (run != null && p.pid() == run.sid) {
                continue; // the main process itself: the ChildWatcher's
            }
            if (run == null && child) {
                run = byName(p).orElse(null);
                if (run == null) {
                    // A descendant that left its session and its name behind: whose it was is unknown.
                    if (finishing && !anyProcessMode && kill(p, "no program can be named for it")) {
                        result.killed++;
                    }
                    continue;
                }
            }
            if (run == null) {
                continue; // not ours
            }
            members.merge(run.sid, 1, Integer::sum);
            if (!run.ended) {
                continue;
            }
            Refusal refusal = new Refusal(p.pid(), p.startTicks());
            if (run.mode.killsGroup() && !refusals.contains(refusal)) {
                if (kill(p, "left over by " + run.instance + " (killmode " + run.mode.configValue() + ")")) {
                    result.killed++;
                }
                if (!refusals.contains(refusal)) {
                    killable.merge(run.sid, 1, Integer::sum);
                    continue;
                }
            }
            // Kept: by killmode process, or because it refused the kill (then said once, in kill).
            seen.add(refusal);
            result.kept++;
            result.keptPids.add(p.pid());
            counts.merge(run.instance, new Leftovers(1, run.mode), (a, b) -> new Leftovers(a.count() + 1, a.mode()));
            synchronized (reported) {
                if (reported.add(p.pid()) && !run.mode.killsGroup()) {
                    log.info("{}: pid {} left running after its main process ended (killmode process)",
                            run.instance, p.pid());
                }
            }
        }
        refusals.retainAll(seen);
        for (Run r : runs.values()) {
            r.onlyRefusals = r.ended && members.containsKey(r.sid) && !killable.containsKey(r.sid);
        }
        // A run whose main process has ended and whose session is empty is done with.
        // (newest keeps one run per instance name for good: a descendant adopted late, its parent gone
        // after its session emptied, is still known by name.)
        runs.values().removeIf(r -> r.ended && !members.containsKey(r.sid));
        endedRuns.removeIf(r -> runs.get(r.sid) != r); // stays within runs, whatever ends meanwhile
        synchronized (reported) {
            reported.retainAll(result.keptPids);
        }
        leftovers = Map.copyOf(counts);
        return result;
    }

    /**
     * The run of a descendant that left its program's session, by the name it carries: of the
     * newest run of that instance, unless that one is still running and started after it (then it
     * cannot be that run's descendant, and belongs to an earlier one, ended).
     */
    private Optional<Run> byName(ProcStat p) {
        return ProcStat.environment(p.pid(), NAME_VARIABLE).map(newest::get).map(latest -> {
            if (latest.ended || p.startTicks() < latest.startTicks) {
                return endedTwin(latest);
            }
            return latest;
        });
    }

    /**
     * An ended run standing for the earlier runs of the same instance, under the current kill mode
     * (their sessions are gone from the registry once empty; a negative id matches no session).
     */
    private Run endedTwin(Run latest) {
        if (latest.ended) {
            return latest;
        }
        Run earlier = new Run(latest.instance, -latest.sid, 0, latest.mode);
        earlier.ended = true;
        return earlier;
    }

    /** Reaps a zombie child that is not a main process; false when it was one, or is not ours to reap. */
    private boolean reap(ProcStat p) {
        Optional<WaitStatus> status = watcher.whileNoSpawnPending(() -> {
            if (watcher.isWatched(p.pid())) {
                return Optional.empty();
            }
            // Not watched, and no spawn pending: not a main process, and never going to be one.
            try {
                return PidFd.tryWaitPid(p.pid());
            } catch (NativeException e) {
                if (e.errno() != Errno.ECHILD) {
                    log.warn("cannot reap pid {}: {}", p.pid(), e.getMessage());
                }
                return Optional.empty();
            }
        });
        status.ifPresent(s -> {
            Run run = runs.get(p.session());
            log.debug("reaped pid {}{}: {}", p.pid(), run != null ? " of " + run.instance : "", s);
        });
        return status.isPresent();
    }

    /**
     * SIGKILL to {@code p}, through a pidfd checked against its start time, so that a pid reused
     * since the look at /proc is never hit.
     */
    private boolean kill(ProcStat p, String why) {
        // Never a main process: one spawned since the look at /proc is not registered yet, so it
        // can pass for an ended run's leftover by the name it carries (its session unknown here);
        // the watcher knows it, once no spawn is pending.
        return watcher.whileNoSpawnPending(() -> !watcher.isWatched(p.pid()) && killLeftover(p, why));
    }

    private boolean killLeftover(ProcStat p, String why) {
        int pidfd;
        try {
            pidfd = PidFd.open(p.pid());
        } catch (NativeException e) {
            return false; // gone
        }
        try {
            Optional<ProcStat> now = ProcStat.of(p.pid());
            if (now.isEmpty() || now.get().startTicks() != p.startTicks() || now.get().isZombie()) {
                return false;
            }
            PidFd.sendSignal(pidfd, Signals.SIGKILL);
            log.info("killed pid {}: {}", p.pid(), why);
            return true;
        } catch (NativeException e) {
            if (e.errno() == Errno.EPERM) {
                // Not ours to kill (setuid, or changed its user): kept and counted, not tried twice a second.
                refusals.add(new Refusal(p.pid(), p.startTicks()));
                log.warn("cannot kill pid {} ({}): {}; it is left running and counted as a leftover", p.pid(), why, e.getMessage());
            } else if (e.errno() != Errno.ESRCH) {
                log.warn("cannot kill pid {} ({}): {}", p.pid(), why, e.getMessage());
            }
            return false;
        } finally {
            Fds.closeQuietly(pidfd);
        }
    }

    /** Stops sweeping and stops being a subreaper (for a daemon in a test JVM). */
    @Override
    public void close() {
        sweeper.shutdownNow();
        try {
            sweeper.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Posix.setChildSubreaper(false);
        } catch (NativeException e) {
            log.warn("cannot stop being a child subreaper: {}", e.getMessage());
        }
    }
}
