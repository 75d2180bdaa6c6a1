package dev.taskmaster.server.engine;

import dev.taskmaster.config.HealthCheck;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.config.Signal;
import dev.taskmaster.server.engine.ProcessLauncher.LaunchedProcess;
import dev.taskmaster.server.engine.health.HealthMonitor;
import dev.taskmaster.server.engine.health.HealthStatus;
import dev.taskmaster.server.engine.lifecycle.RestartCounters;
import dev.taskmaster.server.engine.lifecycle.RestartDecision;
import dev.taskmaster.server.engine.lifecycle.RestartRules;
import dev.taskmaster.server.engine.lifecycle.RunEnd;
import dev.taskmaster.server.engine.outside.OutsideChange;
import dev.taskmaster.server.engine.outside.OutsideChanges;
import dev.taskmaster.server.engine.schedule.ScheduledStart;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The state machine of one process instance, as supervisord defines it: STARTING until it has
 * stayed up for {@code starttime}, BACKOFF and retries after failed starts, FATAL after
 * {@code startretries}, restarts per {@code autorestart}, stop signal then SIGKILL after
 * {@code stoptime}. What follows the end of a run is {@link RestartRules}' to decide; this class
 * carries it out. Confined to the engine thread: every method must be called there.
 */
final class Supervisor {

    /** Ties an exit report to the launch it belongs to, so a late report cannot touch a newer process. */
    private static final class Run {
        LaunchedProcess process;
    }

    private record Waiter(Predicate<ProcessState> until, CompletableFuture<ProcessSnapshot> future) {
    }

    private final EngineContext ctx;
    private InstanceSpec spec;
    private ProcessState state = ProcessState.STOPPED;
    private Instant stateSince;
    private Run run;
    private long spawnedAtNanos;
    private Instant startTime;
    /** What the restart rules counted so far (failed starts in a row...). */
    private RestartCounters counters = RestartCounters.NONE;
    private int restartCount;
    private ExitRecord lastExit;
    private String spawnError;
    private Instant nextStart;
    private EngineScheduler.Cancellable timer;
    private boolean autorestartEnabled = true;
    /** The current (or last) process was adopted by pid, not spawned; a spawn clears it. */
    private boolean adopted;
    /** Starts asked for by command, so that a stop queued before one does not undo it. */
    private long starts;
    /** Stops asked for ({@link #stop}), so that a start queued for its priority's turn knows it was stopped meanwhile. */
    private long stops;
    /**
     * The launch handed off and not answered yet ({@link Launches}); null when none. While it is
     * in flight the state is still the one before the start (STOPPED, EXITED, BACKOFF...): the
     * process does not exist for the engine until its result is applied; a stop meanwhile is
     * carried out on it then, and nothing else is launched.
     */
    private PendingStart inFlight;
    /**
     * Who asked for what is going on now: the API caller of the last command acted on, kept for
     * the transitions that follow from it, cleared (empty: the daemon itself) when the process
     * acts on its own (an unexpected exit, an autorestart, a retry).
     */
    private String requestedBy = "";
    private final List<Waiter> waiters = new ArrayList<>();
    /** The process's health, an attribute beside its state: computed by the health package, acted on here. */
    private final HealthMonitor health;
    /**
     * Why the stop under way was made by the daemon to start the process again once it is down
     * ({@code on_unhealthy: restart}, a console lost in a crash); null when it was not.
     */
    private RunEnd.Kind restartWhenStopped;
    private String restartReason;
    /** Why the restart rules last gave up (the reason of FATAL). */
    private String gaveUp;
    /** Its start_delay and cron timers (package schedule). */
    private final ScheduledStart scheduled;
    /** While SCHEDULED, what the start waits for, in words: its delay or cron time, or its dependencies ({@link #waitFor}). */
    private String waitingFor;

    Supervisor(EngineContext ctx, InstanceSpec spec) {
        this.ctx = ctx;
        this.spec = spec;
        this.stateSince = ctx.clock().now();
        this.health = new HealthMonitor(ctx.scheduler(), ctx.clock(), ctx.prober(), spec, this::healthChanged);
        this.scheduled = new ScheduledStart(ctx.scheduler(), ctx.clock(), spec.program().schedule(), new ScheduleTarget());
    }

    String name() {
        return spec.name();
    }

    InstanceSpec spec() {
        return spec;
    }

    ProcessState state() {
        return state;
    }

    /** New supervision settings, applied in place (the process keeps running). */
    void update(InstanceSpec newSpec) {
        this.spec = newSpec;
        health.update(newSpec);
        scheduleUpdated(newSpec);
        // stopasgroup/killasgroup are read from spec at each stop; what the exit does is the launcher's.
        if (run != null && run.process != null) {
            run.process.killModeChanged(newSpec.program().killmode());
        }
    }

    /**
     * During shutdown and removal nothing is restarted any more. That includes a retry already
     * scheduled: the stop of this process may come long after it falls due, because stops go
     * one priority at a time. The process waits in BACKOFF for that stop.
     */
    void disableAutorestart() {
        autorestartEnabled = false;
        restartWhenStopped = null;
        scheduled.disarm();
        if (state == ProcessState.SCHEDULED) {
            nextStart = null;
        }
        if (state == ProcessState.BACKOFF) {
            cancelTimer();
            nextStart = null;
        }
    }

    ProcessSnapshot snapshot() {
        return new ProcessSnapshot(spec, state, stateSince, run != null ? run.process.pid() : 0,
                Optional.ofNullable(startTime), restartCount, counters.startFailures(), Optional.ofNullable(lastExit),
                Optional.ofNullable(spawnError), Optional.ofNullable(nextStart), ctx.launcher().leftovers(name()),
                run != null ? run.process.adopted() : adopted, health.snapshot(),
                state == ProcessState.FATAL ? Optional.ofNullable(gaveUp) : Optional.empty(),
                state == ProcessState.SCHEDULED ? Optional.ofNullable(waitingFor) : Optional.empty(),
                ctx.deps().states(spec.program()), launching());
    }

    /** What a dependent's {@code depends_on} looks at in this instance. */
    dev.taskmaster.server.engine.deps.Observed observed() {
        return new dev.taskmaster.server.engine.deps.Observed(name(), state,
                health.snapshot().map(dev.taskmaster.server.engine.health.HealthSnapshot::status), Optional.ofNullable(lastExit));
    }

    /**
     * Waits, SCHEDULED, for what {@code note} says (unmet dependencies); the engine starts it once
     * they are met, and a stop cancels the wait. Called again while waiting, it only rewords the note.
     * After {@link #beginStart}, in place of the launch.
     */
    CommandResult waitFor(String note) {
        waitingFor = note;
        if (state != ProcessState.SCHEDULED) {
            transition(ProcessState.SCHEDULED, note);
        }
        return CommandResult.done(name(), note);
    }

    /**
     * Completes (on the engine thread, after the current task) once the state satisfies {@code until}
     * with no launch in flight: a process being launched is not down yet, whatever the state says.
     */
    CompletableFuture<ProcessSnapshot> when(Predicate<ProcessState> until) {
        CompletableFuture<ProcessSnapshot> f = new CompletableFuture<>();
        if (until.test(state) && inFlight == null) {
            f.complete(snapshot());
        } else {
            waiters.add(new Waiter(until, f));
        }
        return f;
    }

    // ---- commands -------------------------------------------------------------------------

    /** How many starts were asked for by command: changes with each {@link #beginStart}, whatever it answers. */
    long starts() {
        return starts;
    }

    /**
     * The checks and resets of a start asked for by command: a result when nothing is to be
     * launched, else empty, and the caller launches now through {@link #pendingStart}.
     */
    Optional<CommandResult> beginStart(String by) {
        starts++;
        if (inFlight != null) {
            return Optional.of(inFlight.stopBy != null
                    ? CommandResult.refused(name(), "is stopping; start it once it has stopped, or restart it")
                    : CommandResult.already(name(), "already starting"));
        }
        switch (state) {
            case STARTING, RUNNING, PAUSED -> {
                return Optional.of(CommandResult.already(name(), "already started"));
            }
            case STOPPING -> {
                return Optional.of(CommandResult.refused(name(), "is stopping; start it once it has stopped, or restart it"));
            }
            case BACKOFF -> cancelTimer();
            default -> { }
        }
        scheduled.cancelDelay(); // started now; a cron schedule is (re)armed for the runs after this one
        scheduled.arm();
        counters = RestartCounters.NONE;
        requestedBy = by;
        return Optional.empty();
    }

    /** How many stops were asked for: changes with each {@link #stop}. */
    long stops() {
        return stops;
    }

    /** Whether a launch of this process is in flight (handed off, its result not applied yet). */
    boolean launching() {
        return inFlight != null;
    }

    /**
     * A launch about to be handed off, alone or with others ({@link Launches}): it is in flight
     * from now until {@link PendingStart#finish} applies its result, in a later engine task. For
     * a start by command, {@link #beginStart} comes first. Only when no launch is in flight.
     */
    PendingStart pendingStart(String why) {
        if (inFlight != null) {
            throw new IllegalStateException(name() + ": a launch is already in flight");
        }
        Run attempt = new Run();
        inFlight = new PendingStart(why, attempt, new ProcessLauncher.Request(spec, exitHandler(attempt)));
        return inFlight;
    }

    /** See {@link #pendingStart}. */
    final class PendingStart {
        private final String why;
        private final Run attempt;
        private final ProcessLauncher.Request request;
        /** Who asked for a stop while this launch was in flight (empty: the daemon); null when nobody did. */
        private String stopBy;
        /**
         * The process's end, when it was reported before the launch's result was applied (a program
         * that exits at once: the exit and the result come from different threads); null if not.
         */
        private ExitOutcome endedEarly;
        /** A restart or a retry: counted when applied. */
        private boolean restart;

        private PendingStart(String why, Run attempt, ProcessLauncher.Request request) {
            this.why = why;
            this.attempt = attempt;
            this.request = request;
        }

        ProcessLauncher.Request request() {
            return request;
        }

        String name() {
            return Supervisor.this.name();
        }

        /**
         * Applies the launch's result: STARTING (or the failed start's BACKOFF); then, when a
         * stop was asked meanwhile, that stop, with the program's stop settings.
         */
        CommandResult finish(ProcessLauncher.Result result) {
            if (inFlight != this) {
                // Cannot happen (one launch in flight at a time, each finished once); were it to, the
                // process it made would have no supervisor: it must not run on.
                ctx.log().error("{}: a launch result came for no launch in flight; killing what it started", name());
                if (result.process() != null) {
                    result.process().signal(Signal.KILL, true);
                }
                return CommandResult.refused(name(), "internal error while starting: a stale launch");
            }
            inFlight = null;
            if (restart) {
                restartCount++;
            }
            launched(why, attempt, result);
            if (result.process() != null && request.instance().program().killmode() != spec.program().killmode()) {
                result.process().killModeChanged(spec.program().killmode()); // updated while it was launched
            }
            CommandResult answer = startResult();
            if (stopBy != null) {
                stop(stopBy);
            }
            if (endedEarly != null && run == attempt) {
                exited(attempt, endedEarly); // its end, held until it was the process of this instance
            }
            settleWaiters(); // a failed launch stopped while in flight may change no state
            return answer;
        }
    }

    /** Completes the waiters the current state satisfies: after a launch in flight ends, which they waited for. */
    private void settleWaiters() {
        if (waiters.isEmpty() || inFlight != null) {
            return;
        }
        ProcessSnapshot now = snapshot();
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.until().test(state)) {
                it.remove();
                ctx.scheduler().execute(() -> w.future().complete(now));
            }
        }
    }

    private CommandResult startResult() {
        return CommandResult.done(name(), state == ProcessState.BACKOFF || state == ProcessState.FATAL
                ? "could not start: " + spawnError : "starting");
    }

    /** Whether a process may be adopted as this instance now: nothing runs, none is about to (a retry is cancelled). */
    boolean canAdopt() {
        return inFlight == null && (state.isDown() || state == ProcessState.BACKOFF);
    }

    /**
     * Takes {@code pid}, a process the daemon did not spawn, as this instance's process: it is
     * RUNNING at once (through STARTING: starttime is for processes this daemon started), and
     * its end is an ordinary exit, with an unknown outcome, after which the restart policy
     * spawns the program's command. Only when {@link #canAdopt}.
     *
     * @throws ProcessLauncher.SpawnException when the launcher cannot watch it (it has ended)
     */
    void adopt(int pid, long startTicks, String by) throws ProcessLauncher.SpawnException {
        if (!canAdopt()) {
            throw new IllegalStateException(name() + ": adopt in state " + state);
        }
        Run attempt = new Run();
        attempt.process = ctx.launcher().adopt(spec, pid, startTicks, exitHandler(attempt));
        cancelTimer();
        run = attempt;
        adopted = true;
        spawnError = null;
        nextStart = null;
        counters = RestartCounters.NONE;
        startTime = ctx.clock().now();
        spawnedAtNanos = ctx.clock().nanoTime();
        requestedBy = by;
        transition(ProcessState.STARTING, "adopting pid " + pid);
        transition(ProcessState.RUNNING, "adopted pid " + pid + " (its output is not captured)");
        health.started(pid, startTime);
    }

    /**
     * Takes {@code survivor}, a process the previous daemon of this instance left running (a
     * crash, a re-exec), as this instance's process: RUNNING at once (through STARTING, as an
     * adoption), with its real start time and uptime. Only in a supervisor that has run nothing.
     *
     * @throws ProcessLauncher.SpawnException when the launcher cannot watch it (it has ended)
     */
    void resume(dev.taskmaster.server.recovery.Survivor survivor) throws ProcessLauncher.SpawnException {
        if (state != ProcessState.STOPPED || run != null) {
            survivor.release();
            throw new IllegalStateException(name() + ": resume in state " + state);
        }
        Run attempt = new Run();
        attempt.process = ctx.launcher().resume(spec, survivor, exitHandler(attempt));
        run = attempt;
        watchStops(attempt);
        adopted = attempt.process.adopted();
        startTime = survivor.startedAt();
        spawnedAtNanos = ctx.clock().nanoTime() - survivor.age().toNanos();
        requestedBy = "";
        transition(ProcessState.STARTING, "resuming pid " + survivor.pid());
        transition(ProcessState.RUNNING, survivor.reason());
        // Probed again from now on (start_period counts from the resume): no survivor goes unwatched.
        health.started(survivor.pid(), startTime);
    }

    /**
     * Stops the running process with its stop settings and, once it is down, starts the program
     * again unless its autorestart is {@code never}: for a resumed process whose output could not
     * be re-attached, which must not run on unheard. {@code why} is the reason of the events.
     */
    void restartFor(String why) {
        if (!state.hasProcess() || state == ProcessState.STOPPING) {
            return;
        }
        requestedBy = ""; // the daemon acts on its own
        restartWhenStopped = RunEnd.Kind.OUTPUT_LOST;
        restartReason = why;
        beginStop(why);
    }

    CommandResult stop(String by) {
        stops++;
        scheduled.disarm(); // a stop is down until started: no delayed or cron start either
        if (inFlight != null) {
            // The process does not exist for the engine yet: it is stopped as soon as it does.
            restartWhenStopped = null;
            if (inFlight.stopBy != null) {
                return CommandResult.already(name(), "already stopping");
            }
            inFlight.stopBy = by;
            return CommandResult.done(name(), "stopping");
        }
        switch (state) {
            case STARTING, RUNNING, PAUSED -> {
                requestedBy = by;
                beginStop("stopping with " + spec.program().stopsignal().displayName());
                return CommandResult.done(name(), "stopping");
            }
            case BACKOFF -> {
                cancelTimer();
                nextStart = null;
                requestedBy = by;
                transition(ProcessState.STOPPED, "stopped while waiting to retry");
                return CommandResult.done(name(), "stopped");
            }
            case SCHEDULED -> {
                cancelTimer();
                nextStart = null;
                requestedBy = by;
                transition(ProcessState.STOPPED, "scheduled start cancelled (" + Optional.ofNullable(waitingFor).orElse("scheduled") + ")");
                return CommandResult.done(name(), "stopped");
            }
            case STOPPING -> {
                // A stop by command wins over a restart the daemon was making (unhealthy, a console lost).
                restartWhenStopped = null;
                return CommandResult.already(name(), "already stopping");
            }
            default -> {
                return CommandResult.already(name(), "not running");
            }
        }
    }

    /** Stop signal now, SIGKILL at stoptime: the stop of a process that has one. */
    private void beginStop(String reason) {
        boolean paused = state == ProcessState.PAUSED;
        ProgramSpec p = spec.program();
        transition(ProcessState.STOPPING, reason);
        health.stopping();
        run.process.signal(p.stopsignal(), p.stopasgroup());
        if (paused) {
            // A stopped process cannot act on the signal until it runs again (pause stopped its group).
            run.process.signal(Signal.CONT, true);
        }
        Run stopping = run;
        timer = ctx.scheduler().schedule(p.stoptime(), () -> stopTimeElapsed(stopping));
    }

    /**
     * What {@link #stop} would answer now, for a stop that is queued behind other processes;
     * {@code queued} says what it waits for.
     */
    CommandResult stopLater(String queued) {
        if (inFlight != null) {
            return inFlight.stopBy != null ? CommandResult.already(name(), "already stopping") : CommandResult.done(name(), queued);
        }
        return switch (state) {
            case STARTING, RUNNING, PAUSED, BACKOFF, SCHEDULED -> CommandResult.done(name(), queued);
            case STOPPING -> CommandResult.already(name(), "already stopping");
            default -> CommandResult.already(name(), "not running");
        };
    }

    CommandResult pause(String by) {
        if (state == ProcessState.PAUSED) {
            return CommandResult.already(name(), "already paused");
        }
        if (state != ProcessState.RUNNING) {
            return CommandResult.refused(name(), "not running (" + state + ")");
        }
        // The whole group, or a child would go on working for a paused parent.
        run.process.signal(Signal.STOP, true);
        health.paused();
        requestedBy = by;
        transition(ProcessState.PAUSED, "paused (SIGSTOP)");
        return CommandResult.done(name(), "paused");
    }

    CommandResult resume(String by) {
        if (state == ProcessState.RUNNING) {
            return CommandResult.already(name(), "already running");
        }
        if (state != ProcessState.PAUSED) {
            return CommandResult.refused(name(), "not paused (" + state + ")");
        }
        run.process.signal(Signal.CONT, true);
        health.resumed();
        requestedBy = by;
        transition(ProcessState.RUNNING, "resumed (SIGCONT)");
        return CommandResult.done(name(), "resumed");
    }

    CommandResult signal(Signal signal, boolean toGroup) {
        if (!state.hasProcess()) {
            return CommandResult.refused(name(), "not running (" + state + ")");
        }
        run.process.signal(signal, toGroup);
        return CommandResult.done(name(), "sent " + signal.displayName());
    }

    // ---- events ---------------------------------------------------------------------------

    /** A launch of its own (a timer's start), handed off; none while one is in flight. */
    private void spawn(String why) {
        if (inFlight != null) {
            return; // the launch in flight is that start
        }
        Launches.launch(ctx, List.of(pendingStart(why)));
    }

    /**
     * A restart or a retry, handed off: counted in restartCount once its result is applied, so
     * that a snapshot taken while it is in flight (still EXITED or BACKOFF) counts only what was made.
     */
    private void restart(String why) {
        if (inFlight != null) {
            return;
        }
        PendingStart start = pendingStart(why);
        start.restart = true;
        Launches.launch(ctx, List.of(start));
    }

    /** Exits come on a launcher thread; they are handled on the engine thread, for this launch only. */
    private Consumer<ExitOutcome> exitHandler(Run attempt) {
        return outcome -> ctx.scheduler().execute(() -> exited(attempt, outcome));
    }

    private void launched(String why, Run attempt, ProcessLauncher.Result result) {
        if (result.failure() != null) {
            String reason = result.failure().getMessage();
            spawnError = reason;
            lastExit = new ExitRecord(new ExitOutcome.SpawnFailed(reason), false, 0, ctx.clock().now(), Duration.ZERO);
            transition(ProcessState.STARTING, why);
            failedStart("could not start: " + reason);
            return;
        }
        attempt.process = result.process();
        run = attempt;
        watchStops(attempt);
        adopted = result.process().adopted();
        spawnError = null;
        nextStart = null;
        startTime = ctx.clock().now();
        spawnedAtNanos = ctx.clock().nanoTime();
        transition(ProcessState.STARTING, why);
        health.started(result.process().pid(), startTime);
        Duration starttime = spec.program().starttime();
        if (starttime.isZero()) {
            transition(ProcessState.RUNNING, "started (starttime is 0)");
        } else {
            timer = ctx.scheduler().schedule(starttime, () -> startTimeElapsed(attempt));
        }
    }

    private void startTimeElapsed(Run attempt) {
        if (attempt != run || state != ProcessState.STARTING) {
            return;
        }
        timer = null;
        counters = counters.started();
        transition(ProcessState.RUNNING, "stayed up for " + seconds(spec.program().starttime()));
        if (run.process.stoppedNow().orElse(false)) {
            // Stopped from outside while STARTING, which has no PAUSED to go to: that report changed nothing.
            health.paused();
            transition(ProcessState.PAUSED, "stopped from outside while starting");
        }
    }

    private void stopTimeElapsed(Run stopping) {
        if (stopping != run || state != ProcessState.STOPPING) {
            return;
        }
        timer = null;
        ctx.log().warn("{}: did not stop within {} of {}; sending SIGKILL", name(),
                seconds(spec.program().stoptime()), spec.program().stopsignal().displayName());
        run.process.signal(Signal.KILL, spec.program().killasgroup());
    }

    private void exited(Run which, ExitOutcome outcome) {
        if (which != run) {
            if (inFlight != null && inFlight.attempt == which) {
                inFlight.endedEarly = outcome; // handled once the launch's result is applied
            }
            return; // else a process this supervisor no longer owns; cannot happen unless a launcher reports twice
        }
        Duration ranFor = Duration.ofNanos(ctx.clock().nanoTime() - spawnedAtNanos);
        int pid = run.process.pid();
        adopted = run.process.adopted();
        run = null;
        cancelTimer();
        health.ended();
        ProgramSpec p = spec.program();
        switch (state) {
            case STOPPING -> {
                lastExit = new ExitRecord(outcome, true, pid, ctx.clock().now(), ranFor);
                transition(ProcessState.STOPPED, "stopped: " + outcome.describe());
                if (restartWhenStopped != null) {
                    RunEnd end = new RunEnd(restartWhenStopped, false, ranFor);
                    String why = restartReason;
                    restartWhenStopped = null;
                    restartReason = null;
                    afterRun(end, why);
                }
            }
            case STARTING -> {
                boolean expected = outcome instanceof ExitOutcome.Exited e && p.isExpected(e.code());
                lastExit = new ExitRecord(outcome, expected, pid, ctx.clock().now(), ranFor);
                failedStart(outcome.describe() + " after " + seconds(ranFor) + ", before starttime ("
                        + seconds(p.starttime()) + ")");
            }
            case RUNNING, PAUSED -> {
                boolean expected = outcome instanceof ExitOutcome.Exited e && p.isExpected(e.code());
                lastExit = new ExitRecord(outcome, expected, pid, ctx.clock().now(), ranFor);
                requestedBy = ""; // it ended on its own, whoever started it
                transition(ProcessState.EXITED, lastExit.describe());
                afterRun(RunEnd.exited(expected, ranFor), lastExit.describe());
            }
            default -> throw new IllegalStateException(name() + ": exit reported in state " + state);
        }
    }

    private void failedStart(String reason) {
        afterRun(RunEnd.failedStart(lastExit != null ? lastExit.runTime() : Duration.ZERO), reason);
    }

    /**
     * Carries out what the restart rules decide after a run ended ({@code reason}: how). A run that
     * failed to start passes through BACKOFF, whatever comes next, as supervisord's does.
     */
    private void afterRun(RunEnd end, String reason) {
        // A cron job that did its work waits for its next time, whatever autorestart says.
        RestartDecision decision = scheduled.armed() && end.kind() == RunEnd.Kind.EXITED && end.expected()
                ? new RestartDecision.Stay(RestartCounters.NONE)
                : RestartRules.decide(end, spec.program(), counters, autorestartEnabled);
        counters = decision.counters();
        switch (decision) {
            case RestartDecision.Now now -> restart(now.why());
            case RestartDecision.After after -> {
                nextStart = ctx.clock().now().plus(after.delay());
                transition(ProcessState.BACKOFF, reason + "; " + after.note());
                String why = end.kind() == RunEnd.Kind.FAILED_START ? "retrying" : "restarted after backoff";
                timer = ctx.scheduler().schedule(after.delay(), () -> retry(why));
            }
            case RestartDecision.GiveUp giveUp -> {
                gaveUp = giveUp.reason();
                if (state != ProcessState.BACKOFF) {
                    transition(ProcessState.BACKOFF, reason);
                }
                transition(ProcessState.FATAL, giveUp.reason());
                backToSchedule();
            }
            case RestartDecision.Stay stay -> backToSchedule();
        }
    }

    // ---- start_delay and cron (the timers and the times are package schedule's) -------------

    /**
     * An automatic start (autostart, an added program) that waits: a {@code cron} program waits
     * for its next time, one with {@code start_delay} for the delay; either is SCHEDULED. False
     * when the start is to be made now. A process that runs (resumed) only gets its cron armed.
     */
    boolean scheduleAutomaticStart() {
        if (scheduled.hasCron()) {
            scheduled.arm();
        } else if (scheduled.hasDelay() && !state.hasProcess()) {
            scheduled.beginDelay();
        } else {
            return false;
        }
        if (!state.hasProcess()) {
            enterScheduled();
        }
        return true;
    }

    /** After a run of a cron program, down and not restarted: SCHEDULED for its next time. */
    private void backToSchedule() {
        if (scheduled.armed() && autorestartEnabled && state.isDown()) {
            enterScheduled();
        }
    }

    private void enterScheduled() {
        nextStart = scheduled.nextStart().orElse(null);
        waitingFor = scheduled.waitingFor();
        if (state == ProcessState.SCHEDULED) {
            return; // still waiting, now for this (a state never becomes itself)
        }
        transition(ProcessState.SCHEDULED, waitingFor + (nextStart == null ? "" : "; starts at " + scheduled.describe(nextStart)));
    }

    /** New start_delay or cron in place (a reload's update): an armed schedule follows the new times. */
    private void scheduleUpdated(InstanceSpec newSpec) {
        boolean hadCron = scheduled.hasCron();
        scheduled.update(newSpec.program().schedule());
        if (!hadCron && scheduled.hasCron() && newSpec.program().autostart() && autorestartEnabled) {
            scheduleAutomaticStart();
        } else if (hadCron && !scheduled.hasCron() && state == ProcessState.SCHEDULED && scheduled.nextStart().isEmpty()) {
            nextStart = null;
            transition(ProcessState.STOPPED, "its cron schedule was removed");
        } else if (state == ProcessState.SCHEDULED && scheduled.nextStart().isPresent()) {
            nextStart = scheduled.nextStart().orElse(null);
            waitingFor = scheduled.waitingFor();
        }
    }

    /** What the schedule's timers call. */
    private final class ScheduleTarget implements ScheduledStart.Target {
        @Override
        public void delayElapsed(String why) {
            if (state == ProcessState.SCHEDULED) {
                if (waitsForDependencies()) {
                    return;
                }
                counters = RestartCounters.NONE;
                requestedBy = "";
                spawn(why);
            }
        }

        @Override
        public void cronDue(Instant due, String why) {
            if (state.hasProcess() || state == ProcessState.BACKOFF || inFlight != null) {
                String reason = "skipped the cron run due at " + scheduled.describe(due) + ": still "
                        + (inFlight != null ? "starting" : state) + (run != null ? " (pid " + run.process.pid() + ")" : "")
                        + " from the run before";
                ctx.journal().append(ctx.clock().now(), (seq, t) -> new EngineEvent.StartSkipped(seq, t, name(), reason,
                        snapshot()));
                return;
            }
            if (waitsForDependencies()) {
                return;
            }
            counters = RestartCounters.NONE;
            requestedBy = "";
            spawn(why);
        }

        /** A timer's start is gated by depends_on as any other: unmet, it waits and the engine starts it later. */
        private boolean waitsForDependencies() {
            Optional<String> unmet = ctx.deps().waitingFor(spec.program());
            if (unmet.isEmpty()) {
                return false;
            }
            counters = RestartCounters.NONE;
            requestedBy = "";
            waitFor(unmet.get());
            ctx.parkForDependencies().accept(Supervisor.this);
            return true;
        }
    }

    private void retry(String why) {
        timer = null;
        if (state != ProcessState.BACKOFF || !autorestartEnabled) {
            return;
        }
        requestedBy = "";
        restart(why);
    }

    private void transition(ProcessState to, String reason) {
        ProcessState from = state;
        if (!from.canBecome(to)) {
            throw new IllegalStateException(name() + ": illegal transition " + from + " -> " + to + " (" + reason + ")");
        }
        state = to;
        stateSince = ctx.clock().now();
        int pid = run != null ? run.process.pid() : 0;
        Optional<ExitRecord> exit = (to == ProcessState.BACKOFF || to == ProcessState.EXITED || to == ProcessState.STOPPED)
                && lastExit != null ? Optional.of(lastExit) : Optional.empty();
        ProcessSnapshot now = snapshot();
        String by = requestedBy;
        ctx.journal().append(stateSince, (seq, time) -> new EngineEvent.StateChanged(seq, time, name(), from, to, pid,
                reason, exit, now, by));
        if (!waiters.isEmpty()) {
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (w.until().test(to)) {
                    it.remove();
                    // Completed as a separate task, so whoever waits never runs inside this transition.
                    ctx.scheduler().execute(() -> w.future().complete(now));
                }
            }
        }
    }

    /** From the health monitor: journaled, logged, and acted on as {@code on_unhealthy} says. */
    private void healthChanged(HealthStatus from, HealthStatus to, String reason) {
        ProcessSnapshot now = snapshot();
        ctx.journal().append(ctx.clock().now(), (seq, time) -> new EngineEvent.HealthChanged(seq, time, name(), from, to,
                reason, now));
        boolean restart = spec.program().healthCheck().map(c -> c.onUnhealthy() == HealthCheck.UnhealthyAction.RESTART)
                .orElse(false);
        if (to == HealthStatus.UNHEALTHY && restart && autorestartEnabled
                && (state == ProcessState.RUNNING || state == ProcessState.STARTING)) {
            requestedBy = ""; // the daemon acts on its own
            restartWhenStopped = RunEnd.Kind.UNHEALTHY;
            restartReason = "stopped as unhealthy";
            beginStop("unhealthy (" + reason + "); restarting: stopping with " + spec.program().stopsignal().displayName());
        }
    }

    /** Stops and continues of this launch's process, as the kernel reports them, handled on the engine thread. */
    private void watchStops(Run attempt) {
        attempt.process.onStopOrContinue(change -> ctx.scheduler().execute(() -> stoppedOrContinued(attempt, change)));
    }

    /** Keeps PAUSED true to the kernel when someone else stops or continues the process. */
    private void stoppedOrContinued(Run which, OutsideChange change) {
        if (which != run) {
            return; // a report about a process this supervisor no longer owns
        }
        OutsideChanges.decide(state, change, run.process.stoppedNow()).ifPresent(t -> {
            requestedBy = ""; // not at the request of any API caller
            if (t.to() == ProcessState.PAUSED) {
                health.paused();
            } else {
                health.resumed();
            }
            transition(t.to(), t.reason());
        });
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    static String seconds(Duration d) {
        return RestartRules.seconds(d);
    }
}
