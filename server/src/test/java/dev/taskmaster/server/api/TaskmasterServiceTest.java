package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.Code;
import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.config.ConfigError;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.Signal;
import dev.taskmaster.proto.v1.AddProgramRequest;
import dev.taskmaster.proto.v1.EventsMissedReason;
import dev.taskmaster.proto.v1.GetProcessRequest;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.PauseProcessesRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessResult;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ReloadConfigRequest;
import dev.taskmaster.proto.v1.ReloadConfigResponse;
import dev.taskmaster.proto.v1.RestartProcessesRequest;
import dev.taskmaster.proto.v1.ResumeProcessesRequest;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.ShutdownRequest;
import dev.taskmaster.proto.v1.SignalProcessesRequest;
import dev.taskmaster.proto.v1.StartProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import dev.taskmaster.server.daemon.RuntimePaths;
import dev.taskmaster.server.engine.ConfigChange;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.security.RoleInterceptor;
import dev.taskmaster.server.engine.EngineClock;
import dev.taskmaster.server.engine.EngineThread;
import dev.taskmaster.server.engine.EventJournal;
import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ProcessLauncher;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every implemented RPC in process, against the real engine with pretend processes. */
class TaskmasterServiceTest {

    /** Pretend processes: they die of TERM, INT and KILL, and record every signal. */
    static final class FakeLauncher implements ProcessLauncher {
        record Run(int pid, Consumer<ExitOutcome> onExit, List<String> signals) implements LaunchedProcess {
            @Override
            public void signal(Signal s, boolean group) {
                signals.add((group ? "group:" : "") + s.name());
                if (s.name().equals("TERM") || s.name().equals("INT") || s.name().equals("KILL")) {
                    onExit.accept(new ExitOutcome.Killed(s, false));
                }
            }
        }

        final Map<String, Run> last = new ConcurrentHashMap<>();
        final AtomicInteger pids = new AtomicInteger(5000);
        final List<String> failing = new CopyOnWriteArrayList<>();
        /** Where the output side would report that a log cannot be written. */
        volatile dev.taskmaster.server.engine.LogWritingJournal logWriting;

        @Override
        public void reportLogWritingTo(dev.taskmaster.server.engine.LogWritingJournal journal) {
            logWriting = journal;
        }

        @Override
        public LaunchedProcess launch(InstanceSpec i, Consumer<ExitOutcome> onExit) throws SpawnException {
            if (failing.contains(i.name())) {
                throw new SpawnException("/nope: no such file (ENOENT)");
            }
            Run r = new Run(pids.incrementAndGet(), onExit, new CopyOnWriteArrayList<>());
            last.put(i.name(), r);
            return r;
        }
    }

    /** Records what the API asked of the daemon; applies configurations to the engine as the daemon does. */
    final class FakeControl implements DaemonControl {
        volatile String shutdownReason;
        volatile DaemonControl.ReloadOutcome next;

        /** As a reload of the file by the daemon itself. */
        CompletableFuture<ConfigDiff> apply(Config config) {
            return apply(config, ConfigChange.reload(""));
        }

        @Override
        public <T> CompletableFuture<T> change(Step<T> step) {
            return step.run(info.get().config(), this::apply);
        }

        CompletableFuture<ConfigDiff> apply(Config config, ConfigChange change) {
            return engine.reload(config, change).thenApply(diff -> {
                DaemonInfo d = info.get();
                info.set(new DaemonInfo(d.instance(), d.paths(), config, Instant.now(), d.startTime()));
                return diff;
            });
        }

        @Override
        public CompletableFuture<ReloadOutcome> reload(boolean validateOnly, String requestedBy) {
            return CompletableFuture.completedFuture(next);
        }

        @Override
        public void shutdown(String reason, String requestedBy) {
            shutdownReason = reason;
        }
    }

    @TempDir
    Path tmp;
    final FakeLauncher launcher = new FakeLauncher();
    final FakeControl control = new FakeControl();
    final java.util.concurrent.atomic.AtomicReference<DaemonInfo> info = new java.util.concurrent.atomic.AtomicReference<>();
    final EventJournal journal = new EventJournal(50);
    EngineThread thread;
    Engine engine;
    Server server;
    TaskmasterService service;
    ManagedChannel channel;
    TaskmasterServiceGrpc.TaskmasterServiceBlockingStub stub;
    Config config;

    @BeforeEach
    void setUp() throws Exception {
        Path file = Files.writeString(tmp.resolve("t.yaml"), """
                programs:
                  web: {cmd: x, numprocs: 2, starttime: 0}
                  db: {cmd: y, starttime: 0, group: data, startretries: 0}
                  idle: {cmd: z, autostart: false, starttime: 0}
                """);
        config = ConfigLoader.load(file, Map.of());
        thread = new EngineThread();
        engine = new Engine(config, launcher, thread, EngineClock.SYSTEM, journal);
        engine.startAutostart().get(5, TimeUnit.SECONDS);
        RuntimePaths paths = new RuntimePaths(tmp.resolve("t.sock"), tmp.resolve("t.pid"), tmp.resolve("t.log"), tmp.resolve("logs"));
        info.set(new DaemonInfo("blue", paths, config, Instant.now(), Instant.now().minusSeconds(65)));
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name)
                .addService(service = new TaskmasterService(info::get, Clock.systemUTC(), engine, control))
                .intercept(new RoleInterceptor((transport, headers) -> LiveDaemon.ADMIN)).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
        // 10 s for each call, not 10 s from here: withDeadlineAfter on the stub fixes one deadline
        // for every call, which a test running long on a loaded machine outlives.
        stub = TaskmasterServiceGrpc.newBlockingStub(channel).withInterceptors(new io.grpc.ClientInterceptor() {
            @Override
            public <Q, R> io.grpc.ClientCall<Q, R> interceptCall(io.grpc.MethodDescriptor<Q, R> method,
                    io.grpc.CallOptions options, io.grpc.Channel next) {
                return next.newCall(method, options.getDeadline() != null ? options : options.withDeadlineAfter(10, TimeUnit.SECONDS));
            }
        });
    }

    @AfterEach
    void tearDown() throws Exception {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        thread.close();
    }

    private static Code code(ProcessResult r) {
        return Code.forNumber(r.getStatus().getCode());
    }

    private static Status.Code failure(Runnable call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
        assertThat(e).as("expected the call to fail").isNotNull();
        return e.getStatus().getCode();
    }

    private static String description(Runnable call) {
        return catchThrowableOfType(StatusRuntimeException.class, call::run).getStatus().getDescription();
    }

    @Test
    void serverInfoCountsProcessesByState() {
        GetServerInfoResponse r = stub.getServerInfo(GetServerInfoRequest.getDefaultInstance());
        assertThat(r.getInstanceName()).isEqualTo("blue");
        assertThat(r.getPid()).isEqualTo(ProcessHandle.current().pid());
        assertThat(r.getUptime().getSeconds()).isBetween(65L, 75L);
        assertThat(r.getProgramCount()).isEqualTo(3);
        assertThat(r.getProcessCount()).isEqualTo(4);
        assertThat(r.getStateCountsList()).extracting(c -> c.getState() + "=" + c.getCount())
                .containsExactlyInAnyOrder("PROCESS_STATE_RUNNING=3", "PROCESS_STATE_STOPPED=1");
        assertThat(r.getJournalId()).isNotBlank();
        assertThat(r.getLatestSequence()).isEqualTo(journal.lastSequence());
        assertThat(r.getCallerRole()).isEqualTo(Role.ROLE_ADMIN);
    }

    @Test
    void listProcessesWithAndWithoutTargets() {
        ListProcessesResponse all = stub.listProcesses(ListProcessesRequest.getDefaultInstance());
        // Ordered by priority, then full name (all are 999 here).
        assertThat(all.getProcessesList()).extracting(ProcessInfo::getFullName).containsExactly("db", "idle", "web:0", "web:1");
        ProcessInfo web0 = all.getProcesses(2);
        assertThat(web0.getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
        assertThat(web0.getPid()).isEqualTo(launcher.last.get("web:0").pid());
        assertThat(web0.getProgram()).isEqualTo("web");
        assertThat(web0.getGroup()).isEqualTo("web");
        assertThat(web0.getInstanceIndex()).isZero();
        assertThat(web0.getDescription()).startsWith("pid " + web0.getPid() + ", uptime 0:00:0");
        assertThat(web0.getStdoutLogPath()).isEqualTo(tmp.resolve("logs/web:0.stdout.log").toString());
        assertThat(all.getProcesses(1).getDescription()).isEqualTo("not started");
        assertThat(all.getSequence()).isEqualTo(journal.lastSequence());
        assertThat(stub.listProcesses(ListProcessesRequest.newBuilder().addTargets("data:*").addTargets("web:1").build())
                .getProcessesList()).extracting(ProcessInfo::getFullName).containsExactly("db", "web:1");
        assertThat(stub.listProcesses(ListProcessesRequest.newBuilder().addTargets("all").build()).getProcessesCount()).isEqualTo(4);
        assertThat(stub.listProcesses(ListProcessesRequest.newBuilder().addTargets("data:db").build()).getProcessesList())
                .extracting(ProcessInfo::getFullName).containsExactly("db");
    }

    @Test
    void unknownTargetsAreNotFoundWithASuggestion() {
        Runnable call = () -> stub.listProcesses(ListProcessesRequest.newBuilder().addTargets("wbe").build());
        assertThat(failure(call)).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(description(call)).isEqualTo("no process, program or group named \"wbe\"; did you mean \"web\"?");
        assertThat(failure(() -> stub.stopProcesses(StopProcessesRequest.newBuilder().addTargets("nothing-like-it").build())))
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(launcher.last.get("web:0").signals()).as("a failed call touches nothing").isEmpty();
    }

    @Test
    void getProcessNeedsExactlyOne() {
        assertThat(stub.getProcess(GetProcessRequest.newBuilder().setName("db").build()).getProcess().getGroup()).isEqualTo("data");
        Runnable many = () -> stub.getProcess(GetProcessRequest.newBuilder().setName("web").build());
        assertThat(failure(many)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(description(many)).isEqualTo("\"web\" names 2 processes (web:0, web:1); name one");
        assertThat(failure(() -> stub.getProcess(GetProcessRequest.newBuilder().setName("nope").build()))).isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void stopAndStartWaitForTheirGoal() {
        List<ProcessResult> stopped = stub.stopProcesses(StopProcessesRequest.newBuilder().addTargets("web").setWait(true).build())
                .getResultsList();
        assertThat(stopped).extracting(ProcessResult::getFullName).containsExactly("web:0", "web:1");
        assertThat(stopped).allSatisfy(r -> {
            assertThat(code(r)).isEqualTo(Code.OK);
            assertThat(r.getChanged()).isTrue();
            assertThat(r.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_STOPPED);
            assertThat(r.getProcess().getLastExit().getKilled().getSignalName()).isEqualTo("TERM");
        });
        List<ProcessResult> again = stub.stopProcesses(StopProcessesRequest.newBuilder().addTargets("web:0").build()).getResultsList();
        assertThat(again).singleElement().satisfies(r -> {
            assertThat(code(r)).isEqualTo(Code.OK);
            assertThat(r.getChanged()).isFalse();
            assertThat(r.getStatus().getMessage()).isEqualTo("not running");
        });
        List<ProcessResult> started = stub.startProcesses(StartProcessesRequest.newBuilder().addTargets("web:*").addTargets("idle")
                .setWait(true).build()).getResultsList();
        assertThat(started).extracting(r -> r.getFullName() + " " + code(r) + " " + r.getProcess().getState())
                // Ordered by priority, then full name (all are 999 here): the contract's order of results.
                .containsExactly("idle OK PROCESS_STATE_RUNNING", "web:0 OK PROCESS_STATE_RUNNING", "web:1 OK PROCESS_STATE_RUNNING");
    }

    @Test
    void aStartThatEndsFatalIsAFailureOfThatProcess() {
        stub.stopProcesses(StopProcessesRequest.newBuilder().addTargets("db").setWait(true).build());
        launcher.failing.add("db");
        ProcessResult r = stub.startProcesses(StartProcessesRequest.newBuilder().addTargets("db").setWait(true).build()).getResults(0);
        // The contract: "ABORTED (spawn failed / exited too quickly, with wait)".
        assertThat(code(r)).isEqualTo(Code.ABORTED);
        assertThat(r.getStatus().getMessage()).isEqualTo("db: FATAL (could not start: /nope: no such file (ENOENT))");
        assertThat(r.getProcess().getLastExit().getSpawnFailed().getErrnoName()).isEqualTo("ENOENT");
    }

    @Test
    void commandsNeedATarget() {
        Runnable call = () -> stub.startProcesses(StartProcessesRequest.getDefaultInstance());
        assertThat(failure(call)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(description(call)).isEqualTo("name what to act on: a process or program name, group:name, group:* or all");
    }

    @Test
    void restartGivesNewProcesses() {
        int before = launcher.last.get("db").pid();
        ProcessResult r = stub.restartProcesses(RestartProcessesRequest.newBuilder().addTargets("db").setWait(true).build()).getResults(0);
        assertThat(code(r)).isEqualTo(Code.OK);
        assertThat(r.getProcess().getPid()).isNotEqualTo(before).isEqualTo(launcher.last.get("db").pid());
        assertThat(r.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
    }

    @Test
    void restartOfManyStopsHighestPriorityFirstThenStartsLowestFirst() throws Exception {
        Path file = Files.writeString(tmp.resolve("p.yaml"), """
                programs:
                  web: {cmd: x, numprocs: 2, starttime: 0, priority: 30}
                  db: {cmd: y, starttime: 0, group: data, startretries: 0, priority: 10}
                  idle: {cmd: z, autostart: false, starttime: 0, priority: 20}
                """);
        control.apply(ConfigLoader.load(file, Map.of())).get(5, TimeUnit.SECONDS);
        long mark = journal.lastSequence();
        List<ProcessResult> results = stub.restartProcesses(RestartProcessesRequest.newBuilder().addTargets("all")
                .setWait(true).build()).getResultsList();
        assertThat(results).allSatisfy(r -> assertThat(r.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING));
        List<String> steps = journal.since(mark + 1).stream()
                .filter(e -> e instanceof dev.taskmaster.server.engine.EngineEvent.StateChanged)
                .map(e -> (dev.taskmaster.server.engine.EngineEvent.StateChanged) e)
                .filter(c -> c.to() != dev.taskmaster.server.engine.ProcessState.RUNNING)
                .map(c -> c.process() + " " + c.to()).toList();
        // web (30) is stopped first, db (10) once both web instances are down; idle (20) was not
        // running. Then every start, lowest priority first.
        assertThat(steps).containsExactly("web:0 STOPPING", "web:1 STOPPING", "web:0 STOPPED", "web:1 STOPPED",
                "db STOPPING", "db STOPPED", "db STARTING", "idle STARTING", "web:0 STARTING", "web:1 STARTING");
    }

    @Test
    void aRestartThatOutlastsItsTimeoutSaysSoAndStillStartsEverythingOnceAllIsDown() throws Exception {
        // stubborn (priority 30) ignores its stop signal until SIGKILL, 1 s later; db (10) waits for it.
        Path file = Files.writeString(tmp.resolve("p.yaml"), """
                programs:
                  stubborn: {cmd: x, starttime: 0, priority: 30, stopsignal: USR1, stoptime: 1}
                  db: {cmd: y, starttime: 0, priority: 10}
                """);
        control.apply(ConfigLoader.load(file, Map.of())).get(5, TimeUnit.SECONDS);
        FakeLauncher.Run stubborn = launcher.last.get("stubborn");
        FakeLauncher.Run db = launcher.last.get("db");
        List<ProcessResult> results = stub.restartProcesses(RestartProcessesRequest.newBuilder().addTargets("all")
                .setWait(true).setTimeout(com.google.protobuf.Duration.newBuilder().setNanos(200_000_000)).build())
                .getResultsList();
        // Results by priority, then full name: db (10) before stubborn (30).
        assertThat(results).extracting(ProcessResult::getFullName).containsExactly("db", "stubborn");
        assertThat(results).allSatisfy(r -> {
            assertThat(code(r)).isEqualTo(Code.DEADLINE_EXCEEDED);
            assertThat(r.getStatus().getMessage()).isEqualTo(r.getFullName()
                    + ": not everything was down after 200 ms; it starts again once everything is");
        });
        // Nothing was started early, and db was not even told yet.
        assertThat(launcher.last.get("db")).isSameAs(db);
        assertThat(db.signals()).isEmpty();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (launcher.last.get("stubborn") == stubborn || launcher.last.get("db") == db) {
            assertThat(System.nanoTime()).as("both to start again").isLessThan(deadline);
            Thread.sleep(10);
        }
        // killmode mixed, the default: the SIGKILL at stoptime goes to what remains of the whole group.
        assertThat(stubborn.signals()).containsExactly("USR1", "group:KILL");
        assertThat(db.signals()).containsExactly("TERM");
    }

    @Test
    void signalsByNameAndUnknownOnesRefused() {
        List<ProcessResult> r = stub.signalProcesses(SignalProcessesRequest.newBuilder().addTargets("web:1").setSignal("usr1")
                .setProcessGroup(true).build()).getResultsList();
        assertThat(r).extracting(ProcessResult::getFullName).containsExactly("web:1");
        assertThat(launcher.last.get("web:1").signals()).containsExactly("group:USR1");
        Runnable bad = () -> stub.signalProcesses(SignalProcessesRequest.newBuilder().addTargets("web").setSignal("SIGFOO").build());
        assertThat(failure(bad)).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(description(bad)).startsWith("unknown signal \"SIGFOO\"");
        ProcessResult stopped = stub.signalProcesses(SignalProcessesRequest.newBuilder().addTargets("idle").setSignal("HUP").build()).getResults(0);
        assertThat(code(stopped)).isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(stopped.getStatus().getMessage()).isEqualTo("idle: not running (STOPPED)");
    }

    @Test
    void pauseAndResume() {
        ProcessResult p = stub.pauseProcesses(PauseProcessesRequest.newBuilder().addTargets("db").build()).getResults(0);
        assertThat(p.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_PAUSED);
        ProcessResult q = stub.resumeProcesses(ResumeProcessesRequest.newBuilder().addTargets("db").build()).getResults(0);
        assertThat(q.getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
        assertThat(launcher.last.get("db").signals()).containsExactly("group:STOP", "group:CONT");
        assertThat(code(stub.resumeProcesses(ResumeProcessesRequest.newBuilder().addTargets("idle").build()).getResults(0)))
                .isEqualTo(Code.FAILED_PRECONDITION);
    }

    @Test
    void reloadReportsTheDiffOrTheErrors() throws Exception {
        Config next = ConfigLoader.load(Files.writeString(tmp.resolve("n.yaml"), "programs:\n  web: {cmd: x, numprocs: 3, starttime: 0}\n"), Map.of());
        control.next = new DaemonControl.ReloadOutcome(true, List.of(), Optional.of(ConfigDiff.between(config, next)), tmp.resolve("t.yaml"));
        ReloadConfigResponse ok = stub.reloadConfig(ReloadConfigRequest.getDefaultInstance());
        assertThat(ok.getApplied()).isTrue();
        assertThat(ok.getDiff().getAddedProcessesList()).containsExactly("web:2");
        assertThat(ok.getDiff().getRemovedProgramsList()).containsExactlyInAnyOrder("db", "idle");
        assertThat(ok.getDiff().getUnchangedProcessesList()).containsExactly("web:0", "web:1");
        control.next = new DaemonControl.ReloadOutcome(false, List.of(new ConfigError(tmp.resolve("t.yaml"), 3, 7, "programs.a", "bad")),
                Optional.empty(), tmp.resolve("t.yaml"));
        ReloadConfigResponse bad = stub.reloadConfig(ReloadConfigRequest.getDefaultInstance());
        assertThat(bad.getApplied()).isFalse();
        assertThat(bad.getErrorsList()).singleElement().satisfies(e -> {
            assertThat(e.getLine()).isEqualTo(3);
            assertThat(e.getColumn()).isEqualTo(7);
            assertThat(e.getKeyPath()).isEqualTo("programs.a");
        });
        assertThat(bad.hasDiff()).isFalse();
    }

    @Test
    void shutdownAsksTheDaemon() {
        stub.shutdown(ShutdownRequest.newBuilder().setReason("maintenance").build());
        assertThat(control.shutdownReason).isEqualTo("maintenance");
    }

    @Test
    void watchStartsWithASnapshotThenLiveEvents() throws Exception {
        Context.CancellableContext ctx = Context.current().withCancellation();
        int listeners = journal.listenerCount();
        Iterator<WatchEventsResponse> it = ctx.call(() -> stub.withDeadlineAfter(20, TimeUnit.SECONDS)
                .watchEvents(WatchEventsRequest.getDefaultInstance()));
        WatchEventsResponse first = it.next();
        assertThat(first.hasSnapshot()).isTrue();
        assertThat(first.getSnapshot().getProcessesList()).extracting(ProcessInfo::getFullName).containsExactly("web:0", "web:1", "db", "idle");
        long at = first.getSnapshot().getSequence();
        assertThat(at).isEqualTo(journal.lastSequence());
        stub.stopProcesses(StopProcessesRequest.newBuilder().addTargets("db").setWait(true).build());
        WatchEventsResponse stopping = it.next();
        assertThat(stopping.getEvent().getSequence()).isEqualTo(at + 1);
        assertThat(stopping.getEvent().getProcessStateChanged().getToState()).isEqualTo(ProcessState.PROCESS_STATE_STOPPING);
        WatchEventsResponse stopped = it.next();
        assertThat(stopped.getEvent().getSequence()).isEqualTo(at + 2);
        assertThat(stopped.getEvent().getProcessStateChanged().getProcess().getState()).isEqualTo(ProcessState.PROCESS_STATE_STOPPED);
        assertThat(stopped.getEvent().getProcessStateChanged().getExit().getKilled().getSignalName()).isEqualTo("TERM");
        assertThat(journal.listenerCount()).isEqualTo(listeners + 1);
        ctx.cancel(null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (journal.listenerCount() != listeners && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(journal.listenerCount()).as("a cancelled stream lets go of the journal").isEqualTo(listeners);
    }

    @Test
    void watchResumesFromASequenceOrSaysWhatWasMissed() {
        long seq = journal.lastSequence();
        stub.stopProcesses(StopProcessesRequest.newBuilder().addTargets("db").setWait(true).build());
        String journalId = stub.getServerInfo(GetServerInfoRequest.getDefaultInstance()).getJournalId();
        // The contract: "replay every kept event with sequence >= N"; a client that saw seq passes seq + 1.
        Iterator<WatchEventsResponse> resumed = stub.watchEvents(WatchEventsRequest.newBuilder().setFromSequence(seq + 1)
                .setJournalId(journalId).build());
        assertThat(resumed.next().getEvent().getSequence()).isEqualTo(seq + 1);
        assertThat(resumed.next().getEvent().getSequence()).isEqualTo(seq + 2);

        Iterator<WatchEventsResponse> otherDaemon = stub.watchEvents(WatchEventsRequest.newBuilder().setFromSequence(seq)
                .setJournalId("another-run").build());
        assertThat(otherDaemon.next().getEventsMissed().getReason()).isEqualTo(EventsMissedReason.EVENTS_MISSED_REASON_DAEMON_RESTARTED);
        assertThat(otherDaemon.next().hasSnapshot()).isTrue();

        // The journal keeps 50 events: push the early ones out.
        for (int i = 0; i < 15; i++) {
            stub.restartProcesses(RestartProcessesRequest.newBuilder().addTargets("db").setWait(true).build());
        }
        Iterator<WatchEventsResponse> tooOld = stub.watchEvents(WatchEventsRequest.newBuilder().setFromSequence(1).build());
        WatchEventsResponse missed = tooOld.next();
        assertThat(missed.getEventsMissed().getReason()).isEqualTo(EventsMissedReason.EVENTS_MISSED_REASON_HISTORY_TRUNCATED);
        assertThat(missed.getEventsMissed().getOldestAvailableSequence()).isEqualTo(journal.oldestSequence());
        assertThat(tooOld.next().getSnapshot().getSequence()).isEqualTo(journal.lastSequence());
    }

    @Test
    void watchCanBeLimitedToTargets() {
        Iterator<WatchEventsResponse> it = stub.watchEvents(WatchEventsRequest.newBuilder().addTargets("web:1").build());
        assertThat(it.next().getSnapshot().getProcessesList()).extracting(ProcessInfo::getFullName).containsExactly("web:1");
        stub.stopProcesses(StopProcessesRequest.newBuilder().addTargets("db").setWait(true).build());
        stub.stopProcesses(StopProcessesRequest.newBuilder().addTargets("web:1").setWait(true).build());
        assertThat(it.next().getEvent().getProcessStateChanged().getProcess().getFullName()).isEqualTo("web:1");
    }

    @Test
    void aClientThatReadsNothingNeitherSlowsTheEngineNorMissesThatItMissedEvents() throws Exception {
        java.util.concurrent.BlockingQueue<WatchEventsResponse> received = new java.util.concurrent.LinkedBlockingQueue<>();
        java.util.concurrent.atomic.AtomicReference<io.grpc.stub.ClientCallStreamObserver<WatchEventsRequest>> call =
                new java.util.concurrent.atomic.AtomicReference<>();
        TaskmasterServiceGrpc.newStub(channel).watchEvents(WatchEventsRequest.getDefaultInstance(),
                new io.grpc.stub.ClientResponseObserver<WatchEventsRequest, WatchEventsResponse>() {
                    @Override
                    public void beforeStart(io.grpc.stub.ClientCallStreamObserver<WatchEventsRequest> requestStream) {
                        call.set(requestStream);
                        requestStream.disableAutoRequestWithInitial(1); // the snapshot, then nothing until asked
                    }

                    @Override
                    public void onNext(WatchEventsResponse value) {
                        received.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        assertThat(received.poll(10, TimeUnit.SECONDS).hasSnapshot()).isTrue();
        long before = journal.lastSequence();
        // Each restart is four events; 1,500 of them overflow the stream's 4,096-event buffer.
        long t0 = System.nanoTime();
        for (int i = 0; i < 1500; i++) {
            engine.stop(List.of("db")).get(5, TimeUnit.SECONDS);
            engine.awaitState("db", dev.taskmaster.server.engine.ProcessState::isDown).get(5, TimeUnit.SECONDS);
            engine.start(List.of("db")).get(5, TimeUnit.SECONDS);
        }
        assertThat(journal.lastSequence() - before).isGreaterThan(WatchSession.BUFFER);
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).as("the engine did not wait for the client").isLessThan(60);
        call.get().request(Integer.MAX_VALUE);
        WatchEventsResponse r;
        do {
            r = received.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("the stream must say it skipped events").isNotNull();
        } while (!r.hasEventsMissed());
        assertThat(r.getEventsMissed().getReason()).isEqualTo(EventsMissedReason.EVENTS_MISSED_REASON_WATCHER_TOO_SLOW);
        WatchEventsResponse fresh = received.poll(10, TimeUnit.SECONDS);
        assertThat(fresh.hasSnapshot()).isTrue();
        assertThat(fresh.getSnapshot().getProcessesList()).extracting(ProcessInfo::getFullName).contains("db");
        call.get().cancel("done", null);
    }

    @Test
    void aWatcherThatStopsReadingCostsNoSnapshotsUntilItReadsThenGetsOneResyncAndEveryEventAfterIt() throws Exception {
        Watched w = Watched.watch(TaskmasterServiceGrpc.newStub(channel), WatchEventsRequest.getDefaultInstance(), true);
        long first = w.awaitSnapshot().getSnapshot().getSequence();
        WatchSession session = service.watchSessions().iterator().next();
        LiveDaemon.until("the session to stall on its client", 10_000, session::stalled);
        // Three times what its buffer holds: it overflows once and then drops every event with one read.
        while (journal.lastSequence() - first < 3 * WatchSession.BUFFER) {
            engine.stop(List.of("db")).get(5, TimeUnit.SECONDS);
            engine.awaitState("db", dev.taskmaster.server.engine.ProcessState::isDown).get(5, TimeUnit.SECONDS);
            engine.start(List.of("db")).get(5, TimeUnit.SECONDS);
        }
        assertThat(session.overflowed()).isTrue();
        assertThat(w.messages).hasSize(1);

        w.request(Integer.MAX_VALUE);
        LiveDaemon.until("the resync", 10_000, () -> w.messages.size() >= 3);
        assertThat(w.messages.get(1).getEventsMissed().getReason()).isEqualTo(EventsMissedReason.EVENTS_MISSED_REASON_WATCHER_TOO_SLOW);
        assertThat(w.messages.get(1).getEventsMissed().getRequestedSequence()).as("where the client was").isEqualTo(first);
        WatchEventsResponse.KindCase kind = w.messages.get(2).getKindCase();
        assertThat(kind).isEqualTo(WatchEventsResponse.KindCase.SNAPSHOT);
        long resynced = w.messages.get(2).getSnapshot().getSequence();
        assertThat(resynced).isGreaterThanOrEqualTo(first + 3 * WatchSession.BUFFER);
        assertThat(session.overflowed()).isFalse();

        // Awake again: every later event, in order, none twice, and no second resync.
        stub.stopProcesses(StopProcessesRequest.newBuilder().addTargets("db").setWait(true).build());
        long last = journal.lastSequence();
        LiveDaemon.until("the live events", 10_000, () -> w.messages.getLast().hasEvent()
                && w.messages.getLast().getEvent().getSequence() == last);
        List<Long> after = w.messages.subList(3, w.messages.size()).stream().map(m -> m.getEvent().getSequence()).toList();
        assertThat(after).isEqualTo(java.util.stream.LongStream.rangeClosed(resynced + 1, last).boxed().toList());
        w.cancel();
    }

    @Test
    void watchesCancelledAsSoonAsTheyStartLeaveNoListenerBehind() throws Exception {
        int listeners = journal.listenerCount();
        for (int i = 0; i < 200; i++) {
            Watched w = Watched.watch(TaskmasterServiceGrpc.newStub(channel), WatchEventsRequest.getDefaultInstance(), false);
            w.cancel(); // often before the session has joined the journal
        }
        LiveDaemon.until("every cancelled watch to let go of the journal", 10_000,
                () -> journal.listenerCount() == listeners && service.watchSessions().isEmpty());
    }

    @Test
    void heartbeatsKeepAQuietStreamVisiblyAlive() {
        // "the daemon may raise it to a minimum of 1 second": 100 ms is taken, and raised.
        Iterator<WatchEventsResponse> it = stub.watchEvents(WatchEventsRequest.newBuilder()
                .setHeartbeatInterval(com.google.protobuf.Duration.newBuilder().setNanos(100_000_000)).build());
        assertThat(it.next().hasSnapshot()).isTrue();
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            WatchEventsResponse beat = it.next();
            assertThat(beat.hasHeartbeat()).isTrue();
            assertThat(beat.getHeartbeat().getLatestSequence()).isEqualTo(journal.lastSequence());
        }
        assertThat(System.nanoTime() - t0).as("three heartbeats at 1 s at least").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(2900));
        assertThat(failure(() -> stub.watchEvents(WatchEventsRequest.newBuilder()
                .setHeartbeatInterval(com.google.protobuf.Duration.newBuilder().setSeconds(-1)).build()).hasNext()))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    private List<String> names() {
        return stub.listProcesses(ListProcessesRequest.getDefaultInstance()).getProcessesList().stream()
                .map(p -> p.getFullName() + "=" + p.getState().name().replace("PROCESS_STATE_", "")).toList();
    }

    @Test
    void programsAreAddedUpdatedAndRemovedAtRuntime() {
        dev.taskmaster.proto.v1.AddProgramResponse added = stub.addProgram(AddProgramRequest.newBuilder()
                .setYaml("extra:\n  cmd: run --fast\n  starttime: 0\n").build());
        assertThat(added.getApplied()).isTrue();
        assertThat(added.getErrorsList()).isEmpty();
        assertThat(added.getProgram().getArgvList()).containsExactly("run", "--fast");
        assertThat(added.getProgram().getStoptime().getSeconds()).as("defaults filled in").isEqualTo(10);
        assertThat(added.getDiff().getAddedProcessesList()).containsExactly("extra");
        assertThat(added.getDiff().getUnchangedProcessesList()).containsExactly("web:0", "web:1", "db", "idle");
        assertThat(names()).contains("extra=RUNNING");
        int webPid = launcher.last.get("web:0").pid();

        dev.taskmaster.proto.v1.AddProgramResponse bySpec = stub.addProgram(AddProgramRequest.newBuilder()
                .setSpec(dev.taskmaster.proto.v1.ProgramSpec.newBuilder().setName("pair").setCmd("sleep \"1 000\"")
                        .setNumprocs(2).setStarttime(com.google.protobuf.Duration.newBuilder().setSeconds(0))
                        .putEnv("MODE", "a \"quoted\" value").setUmask(022)).build());
        assertThat(bySpec.getApplied()).isTrue();
        assertThat(bySpec.getProgram().getArgvList()).containsExactly("sleep", "1 000");
        assertThat(bySpec.getProgram().getEnvMap()).containsEntry("MODE", "a \"quoted\" value");
        assertThat(bySpec.getProgram().getUmask()).isEqualTo(022);
        assertThat(names()).contains("pair:0=RUNNING", "pair:1=RUNNING");

        Runnable again = () -> stub.addProgram(AddProgramRequest.newBuilder().setYaml("extra:\n  cmd: x\n").build());
        assertThat(failure(again)).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(description(again)).isEqualTo("program \"extra\" already exists; update it, or remove it first");

        int extraPid = launcher.last.get("extra").pid();
        dev.taskmaster.proto.v1.UpdateProgramResponse updated = stub.updateProgram(dev.taskmaster.proto.v1.UpdateProgramRequest
                .newBuilder().setYaml("extra:\n  cmd: run --slow\n  starttime: 0\n").build());
        assertThat(updated.getApplied()).isTrue();
        assertThat(updated.getDiff().getChangedProgramsList()).singleElement()
                .satisfies(c -> assertThat(c.getChangedKeysList()).containsExactly("cmd"));
        assertThat(launcher.last.get("extra").pid()).isNotEqualTo(extraPid);
        assertThat(launcher.last.get("web:0").pid()).as("other programs are not touched").isEqualTo(webPid);
        assertThat(failure(() -> stub.updateProgram(dev.taskmaster.proto.v1.UpdateProgramRequest.newBuilder()
                .setYaml("extr:\n  cmd: x\n").build()))).isEqualTo(Status.Code.NOT_FOUND);

        dev.taskmaster.proto.v1.RemoveProgramResponse removed = stub.removeProgram(
                dev.taskmaster.proto.v1.RemoveProgramRequest.newBuilder().setName("pair").build());
        assertThat(removed.getDiff().getRemovedProcessesList()).containsExactly("pair:0", "pair:1");
        assertThat(names()).noneMatch(n -> n.startsWith("pair"));
        assertThat(launcher.last.get("pair:0").signals()).containsExactly("TERM");
        Runnable missing = () -> stub.removeProgram(dev.taskmaster.proto.v1.RemoveProgramRequest.newBuilder().setName("extar").build());
        assertThat(failure(missing)).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(description(missing)).isEqualTo("no program named \"extar\"; did you mean \"extra\"?");
        assertThat(stub.getProgram(dev.taskmaster.proto.v1.GetProgramRequest.newBuilder().setName("extra").build())
                .getProgram().getCmd()).isEqualTo("run --slow");
        assertThat(stub.listPrograms(dev.taskmaster.proto.v1.ListProgramsRequest.getDefaultInstance()).getProgramsList())
                .extracting(dev.taskmaster.proto.v1.ProgramSpec::getName).containsExactly("db", "extra", "idle", "web");
    }

    @Test
    void onLogFullIsAddedReadAndUpdatedInPlace() {
        dev.taskmaster.proto.v1.AddProgramResponse added = stub.addProgram(AddProgramRequest.newBuilder()
                .setSpec(dev.taskmaster.proto.v1.ProgramSpec.newBuilder().setName("chatty").setCmd("talk")
                        .setStarttime(com.google.protobuf.Duration.newBuilder().setSeconds(0))
                        .setOnLogFull(dev.taskmaster.proto.v1.LogFullPolicy.LOG_FULL_POLICY_DROP)).build());
        assertThat(added.getApplied()).isTrue();
        assertThat(added.getProgram().getOnLogFull()).isEqualTo(dev.taskmaster.proto.v1.LogFullPolicy.LOG_FULL_POLICY_DROP);
        assertThat(stub.getProgram(dev.taskmaster.proto.v1.GetProgramRequest.newBuilder().setName("web").build())
                .getProgram().getOnLogFull()).as("the default, filled in").isEqualTo(dev.taskmaster.proto.v1.LogFullPolicy.LOG_FULL_POLICY_BLOCK);
        int pid = launcher.last.get("chatty").pid();

        dev.taskmaster.proto.v1.UpdateProgramResponse updated = stub.updateProgram(dev.taskmaster.proto.v1.UpdateProgramRequest
                .newBuilder().setSpec(added.getProgram().toBuilder().setOnLogFull(dev.taskmaster.proto.v1.LogFullPolicy.LOG_FULL_POLICY_BLOCK))
                .build());
        assertThat(updated.getApplied()).isTrue();
        assertThat(updated.getDiff().getUpdatedProgramsList()).singleElement()
                .satisfies(c -> assertThat(c.getChangedKeysList()).containsExactly("on_log_full"));
        assertThat(launcher.last.get("chatty").pid()).as("applied in place: the process runs on").isEqualTo(pid);
        assertThat(stub.getProgram(dev.taskmaster.proto.v1.GetProgramRequest.newBuilder().setName("chatty").build())
                .getProgram().getOnLogFull()).isEqualTo(dev.taskmaster.proto.v1.LogFullPolicy.LOG_FULL_POLICY_BLOCK);
    }

    @Test
    void aLogThatCannotBeWrittenIsAnEventForItsWatchers() throws Exception {
        Context.CancellableContext ctx = Context.current().withCancellation();
        try {
            Iterator<WatchEventsResponse> it = ctx.call(() -> stub.withDeadlineAfter(20, TimeUnit.SECONDS)
                    .watchEvents(WatchEventsRequest.newBuilder().addTargets("web:0").build()));
            assertThat(it.next().hasSnapshot()).isTrue();
            Path file = tmp.resolve("logs/db.stdout.log");
            // db is not watched: its report is filtered out; web:0's come through, in order.
            launcher.logWriting.record((seq, t) -> new dev.taskmaster.server.engine.EngineEvent.LogWritingStopped(seq, t, "db",
                    "stdout", file, dev.taskmaster.config.LogFullPolicy.BLOCK, "no space left on device (ENOSPC)"));
            launcher.logWriting.record((seq, t) -> new dev.taskmaster.server.engine.EngineEvent.LogWritingStopped(seq, t, "web:0",
                    "stderr", file, dev.taskmaster.config.LogFullPolicy.DROP, "no space left on device (ENOSPC)"));
            launcher.logWriting.record((seq, t) -> new dev.taskmaster.server.engine.EngineEvent.LogWritingResumed(seq, t, "web:0",
                    "stderr", file, dev.taskmaster.config.LogFullPolicy.DROP, "no space left on device (ENOSPC)",
                    java.time.Duration.ofMillis(1500), 300, 7));
            dev.taskmaster.proto.v1.Event stopped = it.next().getEvent();
            assertThat(stopped.getLogWritingStopped().getProcessName()).isEqualTo("web:0");
            assertThat(stopped.getLogWritingStopped().getStream()).isEqualTo(dev.taskmaster.proto.v1.OutputStream.OUTPUT_STREAM_STDERR);
            assertThat(stopped.getLogWritingStopped().getPath()).isEqualTo(file.toString());
            assertThat(stopped.getLogWritingStopped().getPolicy()).isEqualTo(dev.taskmaster.proto.v1.LogFullPolicy.LOG_FULL_POLICY_DROP);
            assertThat(stopped.getLogWritingStopped().getReason()).isEqualTo("no space left on device (ENOSPC)");
            dev.taskmaster.proto.v1.LogWritingResumed resumed = it.next().getEvent().getLogWritingResumed();
            assertThat(resumed.getBytesLost()).isEqualTo(300);
            assertThat(resumed.getLinesLost()).isEqualTo(7);
            assertThat(resumed.getStoppedFor().getSeconds()).isEqualTo(1);
            assertThat(resumed.getStoppedFor().getNanos()).isEqualTo(500_000_000);
        } finally {
            ctx.cancel(null);
        }
    }

    @Test
    void anInvalidProgramIsRejectedWithLocatedErrorsAndChangesNothing() {
        dev.taskmaster.proto.v1.AddProgramResponse r = stub.addProgram(AddProgramRequest.newBuilder()
                .setYaml("bad:\n  cmd: x\n  numprocs: 0\n  stopsignal: NOPE\n").build());
        assertThat(r.getApplied()).isFalse();
        assertThat(r.getErrorsList()).extracting(e -> e.getLine() + ":" + e.getColumn() + " " + e.getKeyPath())
                .containsExactly("3:13 programs.bad.numprocs", "4:15 programs.bad.stopsignal");
        assertThat(r.hasDiff()).isFalse();
        assertThat(names()).noneMatch(n -> n.startsWith("bad"));
        dev.taskmaster.proto.v1.AddProgramResponse dry = stub.addProgram(AddProgramRequest.newBuilder()
                .setYaml("dry:\n  cmd: x\n").setValidateOnly(true).build());
        assertThat(dry.getApplied()).isFalse();
        assertThat(dry.getDiff().getAddedProcessesList()).containsExactly("dry");
        assertThat(names()).noneMatch(n -> n.startsWith("dry"));
        // depends_on is implemented now (DependsOnApiTest has the rest): an unknown program is a located error.
        dev.taskmaster.proto.v1.AddProgramResponse unknown = stub.addProgram(AddProgramRequest.newBuilder().setSpec(
                dev.taskmaster.proto.v1.ProgramSpec.newBuilder().setName("h").setCmd("x").addDependsOn(
                        dev.taskmaster.proto.v1.Dependency.newBuilder().setProgram("nope"))).build());
        assertThat(unknown.getApplied()).isFalse();
        assertThat(unknown.getErrorsList()).extracting(e -> e.getKeyPath()).singleElement().asString()
                .startsWith("programs.h.depends_on");
        assertThat(names()).noneMatch(n -> n.startsWith("h"));
        assertThat(failure(() -> stub.addProgram(AddProgramRequest.getDefaultInstance()))).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    // AdoptProcess is implemented now (issue 13; AdoptConformanceTest has the rest): an empty
    // request is "pid <= 0", INVALID_ARGUMENT, no longer UNIMPLEMENTED.
    @Test
    void adoptProcessIsImplementedAndAnEmptyRequestIsInvalid() {
        assertThat(failure(() -> stub.adoptProcess(dev.taskmaster.proto.v1.AdoptProcessRequest.getDefaultInstance())))
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
}
