package dev.taskmaster.server.api;

import dev.taskmaster.config.Signal;
import dev.taskmaster.proto.v1.GetProcessRequest;
import dev.taskmaster.proto.v1.GetProcessResponse;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.PauseProcessesRequest;
import dev.taskmaster.proto.v1.PauseProcessesResponse;
import dev.taskmaster.proto.v1.ProcessResult;
import dev.taskmaster.proto.v1.ProcessStateCount;
import dev.taskmaster.proto.v1.ReloadConfigRequest;
import dev.taskmaster.proto.v1.ReloadConfigResponse;
import dev.taskmaster.proto.v1.RestartProcessesRequest;
import dev.taskmaster.proto.v1.RestartProcessesResponse;
import dev.taskmaster.proto.v1.ResumeProcessesRequest;
import dev.taskmaster.proto.v1.ResumeProcessesResponse;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.ShutdownRequest;
import dev.taskmaster.proto.v1.ShutdownResponse;
import dev.taskmaster.proto.v1.SignalProcessesRequest;
import dev.taskmaster.proto.v1.SignalProcessesResponse;
import dev.taskmaster.proto.v1.StartProcessesRequest;
import dev.taskmaster.proto.v1.StartProcessesResponse;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import dev.taskmaster.server.daemon.Version;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.output.Outputs;
import dev.taskmaster.server.security.Caller;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The gRPC adapter of the daemon: resolve targets, call the engine, map the answer. RPCs not
 * overridden here answer UNIMPLEMENTED (the generated base class does that). Called on gRPC's
 * threads; nothing here blocks them: engine calls return futures, completed on the engine thread.
 */
public final class TaskmasterService extends TaskmasterServiceGrpc.TaskmasterServiceImplBase {

    private final Supplier<DaemonInfo> info;
    private final Clock clock;
    private final Engine engine;
    private final DaemonControl control;
    private final ProcessCommands commands;
    private final ProgramEditor editor;
    private final OutputRpcs output;
    private final Outputs outputs;
    private final String journalId;
    private final UsageSampler usage = new UsageSampler();
    /** The reason of a Shutdown that gives none, as the contract says. */
    static final String DEFAULT_SHUTDOWN_REASON = "Shutdown requested";
    /** The status every stream ends with when the daemon shuts down (clients know its code and words). */
    static final Status SHUTTING_DOWN = Status.UNAVAILABLE.withDescription("taskmasterd is shutting down");
    /** The WatchEvents streams. */
    private final WatchRpcs watch;
    /** A shutdown has begun: asked for through this API, or seen in the journal (a signal, the daemon itself). */
    private final java.util.concurrent.atomic.AtomicBoolean shuttingDown = new java.util.concurrent.atomic.AtomicBoolean();
    /** Set by {@link #endStreams}: new streams end at once with it. */
    private volatile Status ending;
    private final String hostname = hostname();

    public TaskmasterService(Supplier<DaemonInfo> info, Clock clock, Engine engine, DaemonControl control) {
        this(info, clock, engine, control, new Outputs(info.get().paths().logdir()));
    }

    /** @param outputs the daemon's captured output: the same registry the launcher writes to */
    public TaskmasterService(Supplier<DaemonInfo> info, Clock clock, Engine engine, DaemonControl control, Outputs outputs) {
        this.journalId = engine.journal().id();
        this.output = new OutputRpcs(info, clock, engine, outputs);
        this.outputs = outputs;
        this.info = info;
        this.clock = clock;
        this.engine = engine;
        this.control = control;
        this.commands = new ProcessCommands(engine, clock, info.get().paths().logdir());
        this.editor = new ProgramEditor(control, System.getenv());
        this.watch = new WatchRpcs(engine, info, clock, journalId);
        engine.journal().addListener(e -> {
            if (e instanceof dev.taskmaster.server.engine.EngineEvent.ShutdownStarted) {
                shuttingDown.set(true);
            }
        });
    }

    @Override
    public void listPrograms(dev.taskmaster.proto.v1.ListProgramsRequest r,
            StreamObserver<dev.taskmaster.proto.v1.ListProgramsResponse> response) {
        // The engine's configuration: the running one, whatever change is under way.
        answerAsync(engine.config(), response, c -> dev.taskmaster.proto.v1.ListProgramsResponse.newBuilder()
                .addAllPrograms(ProgramSpecs.toProto(c.programs().stream().sorted(java.util.Comparator
                        .comparingInt(dev.taskmaster.config.ProgramSpec::priority)
                        .thenComparing(dev.taskmaster.config.ProgramSpec::name, Targets::compareNames)).toList())).build());
    }

    @Override
    public void getProgram(dev.taskmaster.proto.v1.GetProgramRequest r,
            StreamObserver<dev.taskmaster.proto.v1.GetProgramResponse> response) {
        answerAsync(attempt(() -> {
            Targets.requireName("name", r.getName());
            return engine.config();
        }), response, c -> {
            dev.taskmaster.config.ProgramSpec p = c.program(r.getName()).orElseThrow(() -> Status.NOT_FOUND
                    .withDescription("no program named " + Targets.quote(r.getName()) + dev.taskmaster.config.Suggestions
                            .closest(r.getName(), c.programs().stream().map(dev.taskmaster.config.ProgramSpec::name).toList())
                            .map(n -> "; did you mean \"" + n + "\"?").orElse("")).asRuntimeException());
            return dev.taskmaster.proto.v1.GetProgramResponse.newBuilder().setProgram(ProgramSpecs.toProto(p)).build();
        });
    }

    @Override
    public void addProgram(dev.taskmaster.proto.v1.AddProgramRequest r,
            StreamObserver<dev.taskmaster.proto.v1.AddProgramResponse> response) {
        String by = by();
        answer(attempt(() -> editor.add(ProgramEditor.Definition.of(r.hasSpec(), r.getSpec(), r.getYaml()), r.getValidateOnly(), by)),
                response, e -> {
                    dev.taskmaster.proto.v1.AddProgramResponse.Builder b = dev.taskmaster.proto.v1.AddProgramResponse.newBuilder()
                            .setApplied(e.applied());
                    e.errors().forEach(x -> b.addErrors(Protos.error(x)));
                    e.program().ifPresent(p -> b.setProgram(ProgramSpecs.toProto(p)));
                    e.diff().ifPresent(d -> b.setDiff(Protos.diff(d)));
                    return b.build();
                });
    }

    @Override
    public void updateProgram(dev.taskmaster.proto.v1.UpdateProgramRequest r,
            StreamObserver<dev.taskmaster.proto.v1.UpdateProgramResponse> response) {
        String by = by();
        answer(attempt(() -> editor.update(ProgramEditor.Definition.of(r.hasSpec(), r.getSpec(), r.getYaml()), r.getValidateOnly(),
                by)),
                response, e -> {
                    dev.taskmaster.proto.v1.UpdateProgramResponse.Builder b = dev.taskmaster.proto.v1.UpdateProgramResponse.newBuilder()
                            .setApplied(e.applied());
                    e.errors().forEach(x -> b.addErrors(Protos.error(x)));
                    e.program().ifPresent(p -> b.setProgram(ProgramSpecs.toProto(p)));
                    e.diff().ifPresent(d -> b.setDiff(Protos.diff(d)));
                    return b.build();
                });
    }

    @Override
    public void removeProgram(dev.taskmaster.proto.v1.RemoveProgramRequest r,
            StreamObserver<dev.taskmaster.proto.v1.RemoveProgramResponse> response) {
        String by = by();
        answer(attempt(() -> editor.remove(r.getName(), by)), response,
                d -> dev.taskmaster.proto.v1.RemoveProgramResponse.newBuilder().setDiff(Protos.diff(d)).build());
    }

    /** The future {@code call} returns, or a failed one with what it threw (a status, on the calling thread). */
    private static <T> CompletableFuture<T> attempt(Supplier<CompletableFuture<T>> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public void getServerInfo(GetServerInfoRequest request, StreamObserver<GetServerInfoResponse> response) {
        Caller caller = Caller.current();
        answer(engine.snapshot(), response, processes -> {
            DaemonInfo d = info.get();
            Instant now = clock.instant();
            Map<dev.taskmaster.server.engine.ProcessState, Integer> counts =
                    new EnumMap<>(dev.taskmaster.server.engine.ProcessState.class);
            processes.forEach(p -> counts.merge(p.state(), 1, Integer::sum));
            GetServerInfoResponse.Builder b = GetServerInfoResponse.newBuilder()
                    .setVersion(Version.current())
                    .setPid(Math.toIntExact(ProcessHandle.current().pid()))
                    .setInstanceName(d.instance())
                    .setHostname(hostname)
                    .setStartTime(Protos.timestamp(d.startTime()))
                    .setUptime(Protos.duration(Duration.between(d.startTime(), now)))
                    .setConfigPath(d.config().source().toString())
                    .setConfigLoadTime(Protos.timestamp(d.configTime()))
                    .setSocketPath(d.paths().socket().toString())
                    .addAllTcpAddresses(d.tcpAddresses())
                    .setLogPath(d.paths().logfile().toString())
                    .setJournalId(journalId)
                    .setLatestSequence(engine.journal().lastSequence())
                    .setProgramCount(d.config().programs().size())
                    .setProcessCount(processes.size())
                    .setCallerRole(caller.role())
                    .setCallerIdentity(caller.identity());
            counts.forEach((state, n) -> b.addStateCounts(ProcessStateCount.newBuilder().setState(Protos.state(state)).setCount(n)));
            return b.build();
        });
    }

    @Override
    public void listProcesses(ListProcessesRequest request, StreamObserver<ListProcessesResponse> response) {
        // Off the engine thread: the answer reads /proc for every running process.
        answerInTurn(engine::snapshotAt, response, at -> {
            List<String> names = request.getTargetsList().isEmpty() ? null
                    : Targets.resolve(request.getTargetsList(), at.processes().stream().map(ProcessSnapshot::spec).toList());
            java.util.Set<String> wanted = names == null ? null : java.util.Set.copyOf(names);
            ListProcessesResponse.Builder b = ListProcessesResponse.newBuilder().setJournalId(journalId).setSequence(at.sequence());
            Instant now = clock.instant();
            at.processes().stream().filter(p -> wanted == null || wanted.contains(p.name()))
                    .sorted(java.util.Comparator.comparing(ProcessSnapshot::spec, Targets.ORDER))
                    .forEach(p -> b.addProcesses(Protos.process(p, now, info.get().paths().logdir(),
                            request.getOmitUsage() ? null : usage, outputs)));
            if (wanted == null && !request.getOmitUsage()) {
                usage.retain(at.processes().stream().map(ProcessSnapshot::pid).collect(java.util.stream.Collectors.toSet()));
            }
            return b.build();
        });
    }

    @Override
    public void getProcess(GetProcessRequest request, StreamObserver<GetProcessResponse> response) {
        answerAsync(attempt(() -> {
            Targets.requireName("name", request.getName());
            return engine.snapshot();
        }), response, all -> {
            List<String> names = Targets.resolve(List.of(request.getName()), all.stream().map(ProcessSnapshot::spec).toList());
            if (names.size() != 1) {
                throw Status.INVALID_ARGUMENT.withDescription(Targets.quote(request.getName()) + " names " + names.size()
                        + " processes (" + String.join(", ", names.subList(0, Math.min(5, names.size())))
                        + (names.size() > 5 ? ", …" : "") + "); name one").asRuntimeException();
            }
            ProcessSnapshot s = all.stream().filter(p -> p.name().equals(names.getFirst())).findFirst().orElseThrow();
            return GetProcessResponse.newBuilder().setProcess(Protos.process(s, clock.instant(), info.get().paths().logdir(), usage,
                    outputs))
                    .build();
        });
    }

    @Override
    public void startProcesses(StartProcessesRequest r, StreamObserver<StartProcessesResponse> response) {
        String by = by();
        answer(attempt(() -> commands.start(r.getTargetsList(), r.getWait(), timeout(r.hasTimeout(), r.getTimeout()), by)), response,
                results -> StartProcessesResponse.newBuilder().addAllResults(results).build());
    }

    @Override
    public void stopProcesses(StopProcessesRequest r, StreamObserver<StopProcessesResponse> response) {
        String by = by();
        answer(attempt(() -> commands.stop(r.getTargetsList(), r.getWait(), timeout(r.hasTimeout(), r.getTimeout()), by)), response,
                results -> StopProcessesResponse.newBuilder().addAllResults(results).build());
    }

    @Override
    public void restartProcesses(RestartProcessesRequest r, StreamObserver<RestartProcessesResponse> response) {
        String by = by();
        answer(attempt(() -> commands.restart(r.getTargetsList(), r.getWait(), timeout(r.hasTimeout(), r.getTimeout()), by)), response,
                results -> RestartProcessesResponse.newBuilder().addAllResults(results).build());
    }

    @Override
    public void pauseProcesses(PauseProcessesRequest r, StreamObserver<PauseProcessesResponse> response) {
        String by = by();
        answer(attempt(() -> commands.pause(r.getTargetsList(), r.getWait(), timeout(r.hasTimeout(), r.getTimeout()), by)), response,
                results -> PauseProcessesResponse.newBuilder().addAllResults(results).build());
    }

    @Override
    public void resumeProcesses(ResumeProcessesRequest r, StreamObserver<ResumeProcessesResponse> response) {
        String by = by();
        answer(attempt(() -> commands.resume(r.getTargetsList(), r.getWait(), timeout(r.hasTimeout(), r.getTimeout()), by)), response,
                results -> ResumeProcessesResponse.newBuilder().addAllResults(results).build());
    }

    @Override
    public void signalProcesses(SignalProcessesRequest r, StreamObserver<SignalProcessesResponse> response) {
        Signal signal = Signal.parse(r.getSignal()).orElse(null);
        if (signal == null) {
            response.onError(Status.INVALID_ARGUMENT.withDescription("unknown signal " + Targets.quote(r.getSignal())
                    + "; expected a name such as TERM, HUP, USR1, KILL (with or without SIG) or a number from 1 to "
                    + Signal.MAX).asRuntimeException());
            return;
        }
        CompletableFuture<List<ProcessResult>> done = commands.act(r.getTargetsList(),
                names -> engine.signal(names, signal, r.getProcessGroup()), null, ProcessCommands.Wait.UNBOUNDED);
        answer(done, response, results -> SignalProcessesResponse.newBuilder().addAllResults(results).build());
    }

    @Override
    public void adoptProcess(dev.taskmaster.proto.v1.AdoptProcessRequest r,
            StreamObserver<dev.taskmaster.proto.v1.AdoptProcessResponse> response) {
        String by = by();
        answerAsync(attempt(() -> Adoptions.adopt(engine, r, by)), response, s -> dev.taskmaster.proto.v1.AdoptProcessResponse
                .newBuilder().setProcess(Protos.process(s, clock.instant(), info.get().paths().logdir(), usage, outputs)).build());
    }

    @Override
    public void reloadConfig(ReloadConfigRequest r, StreamObserver<ReloadConfigResponse> response) {
        answer(control.reload(r.getValidateOnly(), by()), response, outcome -> {
            ReloadConfigResponse.Builder b = ReloadConfigResponse.newBuilder().setApplied(outcome.applied())
                    .setConfigPath(outcome.path().toString());
            outcome.errors().forEach(e -> b.addErrors(Protos.error(e)));
            outcome.diff().ifPresent(d -> b.setDiff(Protos.diff(d)));
            return b.build();
        });
    }

    @Override
    public void shutdown(ShutdownRequest r, StreamObserver<ShutdownResponse> response) {
        // "UNAVAILABLE if already shutting down": one shutdown, whoever asked first.
        if (shuttingDown.getAndSet(true)) {
            response.onError(Status.UNAVAILABLE.withDescription("taskmasterd is already shutting down; nothing more to ask")
                    .asRuntimeException());
            return;
        }
        // Asked first, answered second: an answer means the shutdown has begun. Asking only queues it.
        control.shutdown(r.getReason().isBlank() ? DEFAULT_SHUTDOWN_REASON : r.getReason(), by());
        response.onNext(ShutdownResponse.getDefaultInstance());
        response.onCompleted();
    }

    @Override
    public void reexecDaemon(dev.taskmaster.proto.v1.ReexecDaemonRequest r,
            StreamObserver<dev.taskmaster.proto.v1.ReexecDaemonResponse> response) {
        if (shuttingDown.get()) {
            response.onError(Status.FAILED_PRECONDITION.withDescription("taskmasterd is shutting down; it will not re-execute")
                    .asRuntimeException());
            return;
        }
        control.reexec(by()).whenComplete((accepted, error) -> {
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                        ? c.getCause() : error;
                response.onError((cause instanceof DaemonControl.ReexecRefused ? Status.FAILED_PRECONDITION
                        : Status.INTERNAL).withDescription(cause.getMessage()).asRuntimeException());
                return;
            }
            response.onNext(dev.taskmaster.proto.v1.ReexecDaemonResponse.newBuilder().setPid(accepted.pid())
                    .setStartTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(accepted.startTime().getEpochSecond())
                            .setNanos(accepted.startTime().getNano()))
                    .setLatestSequence(accepted.latestSequence()).build());
            response.onCompleted();
        });
    }

    @Override
    public void testNotification(dev.taskmaster.proto.v1.TestNotificationRequest r,
            StreamObserver<dev.taskmaster.proto.v1.TestNotificationResponse> response) {
        NotificationTests.answer(control, r, response);
    }

    @Override
    public void watchEvents(WatchEventsRequest r, StreamObserver<WatchEventsResponse> response) {
        watch.watch(r, response);
    }

    @Override
    public void tailOutput(dev.taskmaster.proto.v1.TailOutputRequest r, StreamObserver<dev.taskmaster.proto.v1.TailOutputResponse> response) {
        unary(() -> output.tail(r), response);
    }

    @Override
    public void attachOutput(dev.taskmaster.proto.v1.AttachOutputRequest r,
            StreamObserver<dev.taskmaster.proto.v1.AttachOutputResponse> response) {
        if (ending != null) {
            response.onError(ending.asRuntimeException());
            return;
        }
        try {
            requireInputRole(r.getInputMode());
            output.attach(r, response);
        } catch (StatusRuntimeException e) {
            response.onError(e);
        }
    }

    @Override
    public void sendInput(dev.taskmaster.proto.v1.SendInputRequest r, StreamObserver<dev.taskmaster.proto.v1.SendInputResponse> response) {
        unary(() -> output.sendInput(r), response);
    }

    @Override
    public void resizeTerminal(dev.taskmaster.proto.v1.ResizeTerminalRequest r,
            StreamObserver<dev.taskmaster.proto.v1.ResizeTerminalResponse> response) {
        unary(() -> output.resize(r), response);
    }

    @Override
    public void clearOutput(dev.taskmaster.proto.v1.ClearOutputRequest r, StreamObserver<dev.taskmaster.proto.v1.ClearOutputResponse> response) {
        unary(() -> output.clear(r), response);
    }

    @Override
    public void readDaemonLog(dev.taskmaster.proto.v1.ReadDaemonLogRequest r,
            StreamObserver<dev.taskmaster.proto.v1.ReadDaemonLogResponse> response) {
        unary(() -> output.readDaemonLog(r), response);
    }

    /**
     * AttachOutput declares the viewer role (reading is viewing); asking to type needs operator,
     * checked here because only the request says which it is.
     */
    private static void requireInputRole(dev.taskmaster.proto.v1.InputMode mode) {
        if (mode == dev.taskmaster.proto.v1.InputMode.INPUT_MODE_UNSPECIFIED
                || mode == dev.taskmaster.proto.v1.InputMode.INPUT_MODE_READ_ONLY) {
            return;
        }
        Caller caller = Caller.current();
        if (!caller.has(Role.ROLE_OPERATOR)) {
            throw Status.PERMISSION_DENIED.withDescription("AttachOutput with input needs the operator role; "
                    + (caller.identity().isEmpty() ? "this caller" : caller.identity()) + " is " + Caller.name(caller.role())
                    + "; attach read-only to watch").asRuntimeException();
        }
    }

    /** The identity of the caller of the RPC on this thread, for the events its command causes. */
    private static String by() {
        return Caller.current().identity();
    }

    /**
     * Ends every stream, WatchEvents and AttachOutput, with UNAVAILABLE ("taskmasterd is shutting
     * down"), and any that starts from now on at once: the daemon is about to exit, and a stream
     * left open would hold the API server's shutdown for its whole grace period and then end
     * with a reset the client cannot tell from a crash. A watch gets what is queued for it (the
     * shutdown event) first. Any thread; returns at once.
     */
    public void endStreams() {
        endStreams(SHUTTING_DOWN);
    }

    /** How streams end when the daemon re-executes itself: clients reconnect and resume. */
    public static final Status REEXECUTING = Status.UNAVAILABLE.withDescription(
            "taskmasterd is re-executing itself; reconnect and resume");

    /** As {@link #endStreams()}, with {@code status} (e.g. {@link #REEXECUTING}). */
    public void endStreams(Status status) {
        ending = status;
        shuttingDown.set(true);
        watch.endStreams(status);
        output.endSessions(status);
    }

    /** The open WatchEvents streams (for tests). */
    java.util.Set<WatchSession> watchSessions() {
        return watch.sessions();
    }

    /** The output RPCs, whose attach sessions tests look into. */
    OutputRpcs outputRpcs() {
        return output;
    }

    /** Answers a call computed on the calling thread; a status exception becomes the call's status. */
    private static <R> void unary(Supplier<R> call, StreamObserver<R> response) {
        R value;
        try {
            value = call.get();
        } catch (StatusRuntimeException e) {
            response.onError(e);
            return;
        } catch (RuntimeException e) {
            response.onError(Status.INTERNAL.withDescription(String.valueOf(e.getMessage())).withCause(e).asRuntimeException());
            return;
        }
        response.onNext(value);
        response.onCompleted();
    }

    /** The request's timeout (INVALID_ARGUMENT when negative), else the call's deadline. */
    private static ProcessCommands.Wait timeout(boolean set, com.google.protobuf.Duration d) {
        return ProcessCommands.Wait.of(set, d, "timeout");
    }

    /**
     * Where answers that read files or are large are built: a virtual thread each, never the
     * thread that completed the future (the engine's) and never the JDK's common pool, which has
     * one worker on a 2-core machine and is shared with whatever else the JVM runs there: one
     * slow task on it (a config read stuck on a FIFO did this) stopped every status answer.
     */
    private static final java.util.concurrent.Executor ANSWERS = java.util.concurrent.Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("api-answer-", 0).factory());

    /**
     * As {@link #answer}, but the answer is built and sent on a thread of {@link #ANSWERS}, never
     * on the thread that completed {@code future} (the engine's).
     */
    private static <T, R> void answerAsync(CompletableFuture<T> future, StreamObserver<R> response, Function<T, R> map) {
        answer(future.thenApplyAsync(Function.identity(), ANSWERS), response, map);
    }

    /**
     * Where process lists are asked for, built and sent: a few threads (one per CPU, at least
     * two), taking calls in the order they came. Under a hundred clients listing in a loop, each
     * call took its snapshot of every process at once and then waited for its turn to be built
     * and sent: the snapshots lived long enough for the collector to move them to the old
     * generation, and the heap grew to its cap (a million ProcessSnapshot objects, RSS 250 MB, in
     * 10 s); a virtual thread parked per waiting call did the same with its stack. Here a waiting
     * call is a queued task of a few bytes, its snapshot is taken when its turn comes and lives
     * for the millisecond the answer takes, and a call waits for those before it, not for luck
     * (p99 450 → 200 ms at the same throughput).
     */
    private static final java.util.concurrent.ThreadPoolExecutor LISTS = lists();
    /** How long a list waits for the engine before it fails: a list thread is never held for ever. */
    private static final java.time.Duration ENGINE_LIMIT = java.time.Duration.ofSeconds(30);

    private static java.util.concurrent.ThreadPoolExecutor lists() {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(threads, threads,
                5, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
                Thread.ofPlatform().name("api-list-", 0).daemon(true).factory());
        pool.allowCoreThreadTimeOut(true); // none while nobody lists
        return pool;
    }

    /**
     * As {@link #answerAsync}, on a thread of {@link #LISTS}, which asks {@code source} when the
     * call's turn comes and waits for it there.
     */
    private static <T, R> void answerInTurn(java.util.function.Supplier<CompletableFuture<T>> source, StreamObserver<R> response,
            Function<T, R> map) {
        LISTS.execute(() -> {
            CompletableFuture<T> value;
            try {
                value = CompletableFuture.completedFuture(source.get().get(ENGINE_LIMIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                value = CompletableFuture.failedFuture(e.getCause());
            } catch (java.util.concurrent.TimeoutException e) {
                value = CompletableFuture.failedFuture(Status.UNAVAILABLE.withDescription(
                        "taskmasterd's engine did not answer within " + ENGINE_LIMIT.toSeconds() + " s").asRuntimeException());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                value = CompletableFuture.failedFuture(Status.CANCELLED.withDescription("interrupted").asRuntimeException());
            } catch (RuntimeException e) {
                value = CompletableFuture.failedFuture(e);
            }
            answer(value, response, map); // completed: built and sent here, in turn
        });
    }

    /** Completes {@code response} with {@code map(value)}, or with the status the future failed with. */
    private static <T, R> void answer(CompletableFuture<T> future, StreamObserver<R> response, Function<T, R> map) {
        future.whenComplete((value, error) -> {
            if (error == null) {
                try {
                    response.onNext(map.apply(value));
                    response.onCompleted();
                    return;
                } catch (RuntimeException e) {
                    error = e;
                }
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            response.onError(cause instanceof StatusRuntimeException s ? s
                    : Status.INTERNAL.withDescription(String.valueOf(cause.getMessage())).withCause(cause).asRuntimeException());
        });
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
