package dev.taskmaster.server.engine;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.config.ConfigError;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.Signal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pool of supervised processes. Every public method may be called from any thread: it
 * posts its work to the engine thread (the {@link EngineScheduler}) and returns a future, so
 * all process state has one writer. Futures complete on the engine thread; callers must not
 * block inside their callbacks.
 */
public final class Engine {

    private static final Logger log = LoggerFactory.getLogger(Engine.class);

    private final EngineContext ctx;
    /** Holds hand-offs while {@link #runAlone} waits for the launches in flight. */
    private final LaunchGate gate;
    /** Instance name → supervisor, in configuration order. Engine thread only. */
    private final Map<String, Supervisor> supervisors = new LinkedHashMap<>();
    private Config config;
    private boolean shuttingDown;
    private CompletableFuture<Void> shutdown;
    private CompletableFuture<?> lastReload = CompletableFuture.completedFuture(null);
    /** Started processes SCHEDULED until their dependencies are met (see {@link #recheckWaits}). Engine thread only. */
    private final Set<Supervisor> waiting = new LinkedHashSet<>();
    private boolean recheckQueued;
    /** Program name → its supervisors; rebuilt when the supervisors change. Engine thread only. */
    private Map<String, List<Supervisor>> byProgram;

    public Engine(Config config, ProcessLauncher launcher, EngineScheduler scheduler, EngineClock clock,
            EventJournal journal) {
        this(config, launcher, scheduler, clock, journal, new dev.taskmaster.server.engine.health.SystemProber(System.getenv()));
    }

    /** @param prober runs the programs' health probes (off the engine thread); the caller closes it */
    public Engine(Config config, ProcessLauncher launcher, EngineScheduler scheduler, EngineClock clock,
            EventJournal journal, dev.taskmaster.server.engine.health.Prober prober) {
        this.gate = new LaunchGate(launcher);
        this.ctx = new EngineContext(scheduler, clock, journal, gate, log, prober,
                new dev.taskmaster.server.engine.deps.DependencyWaits(this::observed), this::parkForDependencies);
        journal.addListener(this::dependencyEvent);
        this.config = config;
        // The output side's reports are journaled on the engine thread, like every event.
        launcher.reportLogWritingTo(event -> scheduler.execute(() -> journal.append(clock.now(), event::create)));
        for (InstanceSpec i : config.instances()) {
            supervisors.put(i.name(), new Supervisor(ctx, i));
        }
    }

    public EventJournal journal() {
        return ctx.journal();
    }

    /** Starts every autostart program, lowest priority first; completes once all were spawned (not RUNNING). */
    public CompletableFuture<Void> startAutostart() {
        return startAutostart(Map.of());
    }

    /**
     * As {@link #startAutostart()}, after a previous daemon of this instance: the instances of
     * {@code survivors} (instance name → its process still running, see
     * {@link dev.taskmaster.server.recovery.Survivors}) are RUNNING with the survivor's pid
     * instead of being started; one whose output could not be re-attached is then stopped with
     * its stop settings and started again, by its policy. A survivor that ended in the meantime
     * leaves its instance to the autostart. Survivors of instances not configured are the
     * caller's (their descriptors are not touched here).
     */
    public CompletableFuture<Void> startAutostart(Map<String, dev.taskmaster.server.recovery.Survivor> survivors) {
        return onEngine(() -> {
            ctx.journal().append(ctx.clock().now(), (seq, t) -> new EngineEvent.DaemonStarted(seq, t,
                    config.programs().size(), supervisors.size()));
            List<Supervisor> autostart = new ArrayList<>();
            for (Supervisor s : supervisors.values()) {
                dev.taskmaster.server.recovery.Survivor survivor = survivors.get(s.name());
                if (survivor != null) {
                    try {
                        s.resume(survivor);
                        survivor.outputLost().ifPresent(why -> s.restartFor(why + "; restarting it"));
                        if (s.spec().program().autostart()) {
                            s.scheduleAutomaticStart(); // a cron program's schedule goes on from here
                        }
                        continue;
                    } catch (ProcessLauncher.SpawnException e) {
                        log.info("{}: pid {} of the previous daemon cannot be supervised again: {}", s.name(), survivor.pid(),
                                e.getMessage());
                    }
                }
                if (s.spec().program().autostart()) {
                    autostart.add(s);
                }
            }
            autostart.removeIf(Supervisor::scheduleAutomaticStart); // start_delay, cron: SCHEDULED instead
            return startByPriority(autostart, s -> "autostart", "").<Void>thenApply(answers -> null);
        }).thenCompose(Function.identity());
    }

    /** The state of every process, in configuration order. */
    public CompletableFuture<List<ProcessSnapshot>> snapshot() {
        return onEngine(() -> supervisors.values().stream().map(Supervisor::snapshot).toList());
    }

    /**
     * The state of these instances, unknown names left out, in one trip to the engine thread: a
     * command on many processes asks once, not once per process over the whole list.
     */
    public CompletableFuture<Map<String, ProcessSnapshot>> snapshotOf(Collection<String> names) {
        return onEngine(() -> {
            Map<String, ProcessSnapshot> found = new java.util.HashMap<>();
            for (String name : names) {
                Supervisor s = supervisors.get(name);
                if (s != null) {
                    found.put(name, s.snapshot());
                }
            }
            return found;
        });
    }

    public CompletableFuture<Config> config() {
        return onEngine(() -> config);
    }

    /** Starts these instances (by priority); completes with each one's result once all were acted on. */
    public CompletableFuture<List<CommandResult>> start(List<String> names) {
        return start(names, "");
    }

    /**
     * As {@link #start(List)}, at the request of an API caller.
     *
     * @param requestedBy the caller's identity, recorded in the events that follow; empty = the daemon
     */
    public CompletableFuture<List<CommandResult>> start(List<String> names, String requestedBy) {
        return onEngine(() -> {
            if (shuttingDown) {
                return CompletableFuture.completedFuture(
                        names.stream().map(n -> CommandResult.refused(n, "the daemon is shutting down")).toList());
            }
            List<CommandResult> out = new ArrayList<>();
            List<Supervisor> found = lookUp(names, out);
            // What they depend on is started too, as docker compose does; answered for the names asked only.
            List<Supervisor> targets = new ArrayList<>(found);
            dev.taskmaster.server.engine.deps.StartPlan.dependenciesOf(found.stream().map(s -> s.spec().program().name())
                    .distinct().toList(), config::program).forEach(p -> targets.addAll(byProgram().getOrDefault(p, List.of())));
            Set<String> asked = new java.util.HashSet<>(found.stream().map(Supervisor::name).toList());
            // Completes once every launch was made: the answers say "starting" or why not.
            return startByPriority(targets, s -> found.contains(s) ? "started by request"
                    : "started by request, as a dependency", requestedBy).thenApply(answers -> {
                        out.addAll(answers.stream().filter(r -> asked.contains(r.process())).toList());
                        return out;
                    });
        }).thenCompose(Function.identity());
    }

    /**
     * Stops these instances by priority, as a shutdown does: highest priority value first, all
     * of one priority in parallel, each priority once the one before is down. Completes as soon
     * as the first priority was told, with what was or will be done to each instance; use
     * {@link #awaitState} to wait for them to be down.
     */
    public CompletableFuture<List<CommandResult>> stop(List<String> names) {
        return stop(names, "");
    }

    /** As {@link #stop(List)}, at the request of an API caller ({@code requestedBy}, as for {@link #start(List, String)}). */
    public CompletableFuture<List<CommandResult>> stop(List<String> names, String requestedBy) {
        return onEngine(() -> {
            List<CommandResult> out = new ArrayList<>();
            List<Supervisor> found = lookUp(names, out);
            out.addAll(PriorityOrder.stopAsked(ctx, found, requestedBy).results());
            return out;
        });
    }

    /**
     * The stop half of a restart: as {@link #stop}, but every target ends down whatever is asked
     * meanwhile (a start by command does not cancel it), and the future completes once all of
     * them, of every priority, are down.
     */
    public CompletableFuture<Void> stopAllDown(List<String> names) {
        return stopAllDown(names, "");
    }

    /** As {@link #stopAllDown(List)}, at the request of an API caller. */
    public CompletableFuture<Void> stopAllDown(List<String> names, String requestedBy) {
        return onEngine(() -> PriorityOrder.stopAll(ctx, lookUp(names, new ArrayList<>()), requestedBy).down())
                .thenCompose(Function.identity());
    }

    public CompletableFuture<List<CommandResult>> signal(List<String> names, Signal signal, boolean toGroup) {
        return onEngine(() -> each(names, s -> s.signal(signal, toGroup)));
    }

    /** SIGSTOP to each process group: RUNNING becomes PAUSED. */
    public CompletableFuture<List<CommandResult>> pause(List<String> names) {
        return pause(names, "");
    }

    /** As {@link #pause(List)}, at the request of an API caller. */
    public CompletableFuture<List<CommandResult>> pause(List<String> names, String requestedBy) {
        return onEngine(() -> each(names, s -> s.pause(requestedBy)));
    }

    /** SIGCONT to each process group: PAUSED becomes RUNNING. */
    public CompletableFuture<List<CommandResult>> resume(List<String> names) {
        return resume(names, "");
    }

    /** As {@link #resume(List)}, at the request of an API caller. */
    public CompletableFuture<List<CommandResult>> resume(List<String> names, String requestedBy) {
        return onEngine(() -> each(names, s -> s.resume(requestedBy)));
    }

    /**
     * Adds {@code listener} to the journal and, in the same engine-thread step, takes the state of
     * every process, the last sequence, and the kept events from {@code fromSequence} on (that one
     * included): a watcher
     * that starts from this misses no event and sees none twice.
     */
    public CompletableFuture<SnapshotAt> listen(long fromSequence, java.util.function.Consumer<EngineEvent> listener) {
        return onEngine(() -> {
            ctx.journal().addListener(listener);
            return new SnapshotAt(ctx.journal().lastSequence(), ctx.journal().oldestSequence(),
                    supervisors.values().stream().map(Supervisor::snapshot).toList(), ctx.journal().since(fromSequence));
        });
    }

    /** Every process and the last sequence, taken together: the snapshot reflects exactly the events up to it. */
    public CompletableFuture<SnapshotAt> snapshotAt() {
        return sharedSnapshots.get();
    }

    /** Callers of {@link #snapshotAt} waiting together share one snapshot (ListProcesses under many clients). */
    private final SharedTask<SnapshotAt> sharedSnapshots = new SharedTask<>(this::onEngine, this::takeSnapshot);

    /** Engine thread. */
    private SnapshotAt takeSnapshot() {
        return new SnapshotAt(ctx.journal().lastSequence(), ctx.journal().oldestSequence(),
                supervisors.values().stream().map(Supervisor::snapshot).toList(), List.of());
    }

    /**
     * Processes as they were right after event {@code sequence}.
     *
     * @param oldest  the oldest sequence still kept
     * @param history the kept events from the sequence asked for on, that one included
     */
    public record SnapshotAt(long sequence, long oldest, List<ProcessSnapshot> processes, List<EngineEvent> history) {
    }

    /**
     * As {@link #awaitState} for each of these instances, registered in one trip to the engine
     * thread. Completes with one future per instance, each completing once that instance's state
     * satisfies {@code until} (exceptionally for an unknown name).
     */
    public CompletableFuture<Map<String, CompletableFuture<ProcessSnapshot>>> awaitStates(Collection<String> names,
            java.util.function.Predicate<ProcessState> until) {
        return onEngine(() -> {
            Map<String, CompletableFuture<ProcessSnapshot>> each = new java.util.HashMap<>();
            for (String name : names) {
                Supervisor s = supervisors.get(name);
                each.put(name, s != null ? s.when(until)
                        : CompletableFuture.failedFuture(new IllegalArgumentException("no such process: " + name)));
            }
            return each;
        });
    }

    /** Completes once the instance's state satisfies {@code until}. */
    public CompletableFuture<ProcessSnapshot> awaitState(String name, java.util.function.Predicate<ProcessState> until) {
        return onEngine(() -> supervisor(name).when(until)).thenCompose(Function.identity());
    }

    /**
     * Applies a new configuration: removed instances stop and go, changed ones restart with the
     * new settings, updated ones take their new settings in place, added ones start (if
     * autostart), unchanged ones are not touched. Reloads queue behind each other.
     */
    public CompletableFuture<ConfigDiff> reload(Config next) {
        return reload(next, ConfigChange.reload(""));
    }

    /** As {@link #reload(Config)}; {@code change} says why, and at whose request, for the events. */
    public CompletableFuture<ConfigDiff> reload(Config next, ConfigChange change) {
        CompletableFuture<ConfigDiff> result = new CompletableFuture<>();
        ctx.scheduler().execute(() -> {
            CompletableFuture<?> previous = lastReload;
            lastReload = result;
            previous.whenComplete((r, e) -> ctx.scheduler().execute(() -> applyReload(next, change, result)));
        });
        return result;
    }

    /** Records that a new configuration was rejected, so the journal and log say so. */
    public void reloadRejected(List<ConfigError> errors) {
        // Announced, not numbered: no client event stands for it, and a number would be a gap.
        ctx.scheduler().execute(() -> ctx.journal().announce(ctx.clock().now(),
                (seq, t) -> new EngineEvent.ConfigRejected(seq, t, errors)));
    }

    /**
     * Stops everything, highest priority value first, all processes of one priority in parallel,
     * and completes when every process is down. No restart happens once it has begun.
     */
    public CompletableFuture<Void> shutdown(String reason) {
        return shutdown(reason, "");
    }

    /** As {@link #shutdown(String)}, at the request of an API caller ({@code requestedBy}; empty = the daemon). */
    public CompletableFuture<Void> shutdown(String reason, String requestedBy) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        ctx.scheduler().execute(() -> {
            if (shutdown != null) {
                shutdown.whenComplete((r, e) -> done.complete(null));
                return;
            }
            shutdown = done;
            shuttingDown = true;
            ctx.journal().append(ctx.clock().now(), (seq, t) -> new EngineEvent.ShutdownStarted(seq, t, reason, requestedBy));
            supervisors.values().forEach(Supervisor::disableAutorestart);
            PriorityOrder.stopAll(ctx, List.copyOf(supervisors.values()), requestedBy).down().whenComplete((r, e) -> done.complete(null));
        });
        return done;
    }

    // ---- engine thread ----------------------------------------------------------------------

    private void applyReload(Config next, ConfigChange why, CompletableFuture<ConfigDiff> result) {
        if (shuttingDown) {
            result.completeExceptionally(new IllegalStateException("the daemon is shutting down"));
            return;
        }
        ConfigDiff diff = ConfigDiff.between(config, next);
        config = next;
        Map<String, ConfigDiff.Kind> kinds = new LinkedHashMap<>();
        List<Supervisor> toStop = new ArrayList<>();
        for (ConfigDiff.InstanceChange change : diff.instances()) {
            kinds.put(change.name(), change.kind());
            Supervisor s = supervisors.get(change.name());
            switch (change.kind()) {
                case REMOVED -> {
                    s.disableAutorestart();
                    toStop.add(s);
                }
                case CHANGED -> {
                    s.disableAutorestart();
                    toStop.add(s);
                }
                case UPDATED, UNCHANGED -> s.update(change.after().orElseThrow());
                case ADDED -> { }
            }
        }
        ctx.journal().append(ctx.clock().now(), (seq, t) -> new EngineEvent.ConfigReloaded(seq, t, diff, why));
        PriorityOrder.stopAll(ctx, toStop, why.requestedBy()).down().whenComplete((r, e) -> ctx.scheduler().execute(() -> {
            // The new map follows the new configuration's order; changed instances get a fresh supervisor.
            Map<String, Supervisor> rebuilt = new LinkedHashMap<>();
            List<Supervisor> starting = new ArrayList<>();
            for (InstanceSpec i : next.instances()) {
                ConfigDiff.Kind kind = kinds.get(i.name());
                Supervisor s = supervisors.get(i.name());
                if (kind == ConfigDiff.Kind.ADDED || kind == ConfigDiff.Kind.CHANGED) {
                    s = new Supervisor(ctx, i);
                    if (i.program().autostart()) {
                        starting.add(s);
                    }
                }
                rebuilt.put(i.name(), s);
            }
            supervisors.clear();
            supervisors.putAll(rebuilt);
            byProgram = null;
            waiting.removeIf(s -> rebuilt.get(s.name()) != s);
            recheckWaits(); // a depends_on changed in place may be met now
            // A shutdown that began while the changed ones stopped has stopped everything it knew;
            // what this reload would start now, nobody would stop.
            if (!shuttingDown) {
                starting.removeIf(Supervisor::scheduleAutomaticStart); // start_delay, cron: SCHEDULED instead
                // Completed once the launches were made, as before they were handed off.
                startByPriority(starting, s -> kinds.get(s.name()) == ConfigDiff.Kind.ADDED ? "added by reload"
                        : "restarted by reload with new settings", why.requestedBy()).whenComplete((answers, failure) -> result.complete(diff));
            } else {
                result.complete(diff);
            }
        }));
    }

    /** Acts on each instance, lowest priority value first. */
    private List<CommandResult> each(List<String> names, Function<Supervisor, CommandResult> action) {
        List<CommandResult> out = new ArrayList<>();
        List<Supervisor> found = lookUp(names, out);
        PriorityOrder.groups(found).values().forEach(group -> group.forEach(s -> out.add(action.apply(s))));
        return out;
    }

    /** The supervisors of {@code names}; each unknown name gets a refusal in {@code results}. */
    private List<Supervisor> lookUp(List<String> names, List<CommandResult> results) {
        Set<Supervisor> found = new LinkedHashSet<>();
        for (String n : names) {
            Supervisor s = supervisors.get(n);
            if (s == null) {
                results.add(CommandResult.refused(n, "no such process"));
            } else {
                // A name given twice is acted on once, as the API's target resolution does.
                found.add(s);
            }
        }
        return List.copyOf(found);
    }

    /**
     * Starts {@code targets} one priority at a time, lowest first ({@link PriorityStart}): the
     * launches are made off the engine thread and applied as their results come back, so the
     * engine answers meanwhile. Completes on the engine thread once every launch was made.
     */
    private CompletableFuture<List<CommandResult>> startByPriority(Collection<Supervisor> targets,
            Function<Supervisor, String> why, String by) {
        return PriorityStart.start(ctx, new PriorityStart.Host() {
            @Override
            public boolean stillWanted(Supervisor s) {
                return !shuttingDown && supervisors.get(s.name()) == s;
            }

            @Override
            public void waitForDependencies(Supervisor s) {
                waiting.add(s);
            }
        }, targets, why, by);
    }

    /** A state or health changed: the waits are looked at again, once, after the current task. */
    /** A timer's start that found its dependencies unmet: it waits with the others (see {@link #recheckWaits}). */
    private void parkForDependencies(Supervisor s) {
        waiting.add(s);
    }

    private void dependencyEvent(EngineEvent e) {
        if (!waiting.isEmpty() && !recheckQueued
                && (e instanceof EngineEvent.StateChanged || e instanceof EngineEvent.HealthChanged)) {
            recheckQueued = true;
            ctx.scheduler().execute(this::recheckWaits);
        }
    }

    /**
     * Starts, in plan order, the waiting processes whose dependencies are met now, and rewords the
     * note of the others (a dependency gone FATAL). A wait ended by a stop is forgotten.
     */
    private void recheckWaits() {
        recheckQueued = false;
        // One whose own timer's start is in flight waits no more either.
        waiting.removeIf(s -> s.state() != ProcessState.SCHEDULED || s.launching());
        if (shuttingDown || waiting.isEmpty()) {
            return;
        }
        List<Supervisor> ready = new ArrayList<>();
        for (Supervisor s : waiting) {
            ctx.deps().waitingFor(s.spec().program()).ifPresentOrElse(s::waitFor, () -> ready.add(s));
        }
        waiting.removeAll(ready);
        // Launched as a start: its SCHEDULED -> STARTING says why; requested by whoever started it.
        Launches.launch(ctx, ready.stream().map(s -> s.pendingStart("dependencies met")).toList());
    }

    private List<dev.taskmaster.server.engine.deps.Observed> observed(String program) {
        return byProgram().getOrDefault(program, List.of()).stream().map(Supervisor::observed).toList();
    }

    private Map<String, List<Supervisor>> byProgram() {
        if (byProgram == null) {
            byProgram = new java.util.HashMap<>();
            supervisors.values().forEach(s -> byProgram.computeIfAbsent(s.spec().program().name(), k -> new ArrayList<>()).add(s));
        }
        return byProgram;
    }

    /**
     * Takes {@code pid}, a running process the daemon did not spawn, as the process of instance
     * {@code name} (see {@link ProcessLauncher#adopt}). Fails with {@link AdoptionRefused} when the
     * instance has a process, when the pid is already some instance's process, or when it has
     * ended in the meantime ({@code startTicks}, its start time when checked, tells a reused pid).
     */
    public CompletableFuture<ProcessSnapshot> adopt(String name, int pid, long startTicks, String requestedBy) {
        CompletableFuture<ProcessSnapshot> f = new CompletableFuture<>();
        ctx.scheduler().execute(() -> {
            try {
                Supervisor s = supervisors.get(name);
                if (s == null) {
                    throw new AdoptionRefused(AdoptionRefused.Reason.NO_SUCH_INSTANCE, "no process named " + name);
                }
                for (Supervisor other : supervisors.values()) {
                    if (other.state().hasProcess() && other.snapshot().pid() == pid) {
                        throw new AdoptionRefused(AdoptionRefused.Reason.ALREADY_SUPERVISED,
                                "pid " + pid + " is already supervised as " + other.name());
                    }
                }
                if (!s.canAdopt()) {
                    throw new AdoptionRefused(AdoptionRefused.Reason.INSTANCE_BUSY, name + " is " + s.state()
                            + " (pid " + s.snapshot().pid() + "); stop it first");
                }
                try {
                    s.adopt(pid, startTicks, requestedBy);
                } catch (ProcessLauncher.SpawnException e) {
                    throw new AdoptionRefused(AdoptionRefused.Reason.GONE, "cannot adopt pid " + pid + ": " + e.getMessage());
                }
                f.complete(s.snapshot());
            } catch (AdoptionRefused e) {
                f.completeExceptionally(e);
            } catch (RuntimeException e) {
                log.error("adoption of pid {} as {} failed", pid, name, e);
                f.completeExceptionally(e);
            }
        });
        return f;
    }

    /** Why {@link #adopt} did not adopt; the message is one sentence that names the pid and the instance. */
    public static final class AdoptionRefused extends RuntimeException {
        /** What stood in the way. */
        public enum Reason { NO_SUCH_INSTANCE, ALREADY_SUPERVISED, INSTANCE_BUSY, GONE }

        private final Reason reason;

        AdoptionRefused(Reason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        public Reason reason() {
            return reason;
        }
    }

    private Supervisor supervisor(String name) {
        return Optional.ofNullable(supervisors.get(name))
                .orElseThrow(() -> new IllegalArgumentException("no such process: " + name));
    }

    /**
     * Runs {@code task} on the engine thread once every task queued before it has run; nothing
     * else runs there, no timer fires and no exit is handled, until it returns. A re-exec holds
     * supervision still this way while the daemon's program is replaced.
     */
    public CompletableFuture<Void> runAlone(Runnable task) {
        // Launches run on spawner threads: the task runs once those in flight were applied (at
        // most LAUNCH_DRAIN later), and none is handed off meanwhile, so that a re-exec hands
        // over every process spawned and no spawn happens under it.
        CompletableFuture<Void> f = new CompletableFuture<>();
        ctx.scheduler().execute(() -> {
            gate.hold();
            runAloneOnceLaunched(task, f, ctx.clock().nanoTime() + LAUNCH_DRAIN.toNanos());
        });
        return f;
    }

    /** How long {@link #runAlone} waits for the launches in flight at most. */
    private static final java.time.Duration LAUNCH_DRAIN = java.time.Duration.ofSeconds(5);

    private void runAloneOnceLaunched(Runnable task, CompletableFuture<Void> f, long deadline) {
        if (supervisors.values().stream().anyMatch(Supervisor::launching) && ctx.clock().nanoTime() < deadline) {
            // Their results come as engine tasks: let them in, then look again.
            ctx.scheduler().schedule(java.time.Duration.ofMillis(1), () -> runAloneOnceLaunched(task, f, deadline));
            return;
        }
        try {
            task.run();
            f.complete(null);
        } catch (RuntimeException e) {
            log.error("engine task failed", e);
            f.completeExceptionally(e);
        } finally {
            gate.open();
        }
    }

    private <T> CompletableFuture<T> onEngine(Supplier<T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        ctx.scheduler().execute(() -> {
            try {
                f.complete(work.get());
            } catch (RuntimeException e) {
                log.error("engine task failed", e);
                f.completeExceptionally(e);
            }
        });
        return f;
    }
}
