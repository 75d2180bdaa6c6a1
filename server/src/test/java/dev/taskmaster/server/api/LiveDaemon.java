package dev.taskmaster.server.api;

import dev.taskmaster.testkit.Poll;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.server.daemon.RuntimePaths;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.security.Caller;
import dev.taskmaster.server.security.RoleInterceptor;
import dev.taskmaster.server.engine.EngineClock;
import dev.taskmaster.server.engine.EngineThread;
import dev.taskmaster.server.engine.EventJournal;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.output.Outputs;
import dev.taskmaster.server.spawn.ChildWatcher;
import dev.taskmaster.server.spawn.OsProcessLauncher;
import dev.taskmaster.server.spawn.OutputPump;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The daemon's insides in the test JVM: the real engine, real children, real output capture,
 * and the gRPC service in process. {@link #close} stops every child.
 */
final class LiveDaemon implements AutoCloseable {

    /** Who the tests' calls come from. */
    static final Caller ADMIN = new Caller("tester (uid 1000)", dev.taskmaster.proto.v1.Role.ROLE_ADMIN, "in-process");

    final Path dir;
    final ChildWatcher watcher = new ChildWatcher();
    final OutputPump pump = new OutputPump();
    final EngineThread thread = new EngineThread();
    final EventJournal journal;
    /** The reasons of the shutdowns the API asked the daemon for, in order. */
    final java.util.List<String> shutdownsAsked = new java.util.concurrent.CopyOnWriteArrayList<>();
    final Outputs outputs;
    final Engine engine;
    final TaskmasterService service;
    final Server server;
    /**
     * The daemon's one path of configuration changes, as the real daemon has it: reloads read
     * {@link #dir}{@code /taskmaster.yaml} again (with {@code TMP} set to {@link #dir}).
     */
    final dev.taskmaster.server.daemon.ConfigChanges changes;
    /** What the API reports about the daemon; follows every applied change of the configuration. */
    private volatile DaemonInfo info;
    final ManagedChannel channel;
    /** The in-process server's name, for another channel to it. */
    final String name;
    /** The daemon's one interceptor, every call passes it. */
    final RoleInterceptor roles;

    /** Reads configuration files for reloads, as the daemon's reader thread does. */
    private static final java.util.concurrent.Executor READER = java.util.concurrent.Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("live-config-reader-", 0).factory());

    LiveDaemon(Path dir, String yaml) throws Exception {
        this(dir, yaml, (transport, headers) -> ADMIN);
    }

    /** @param callers who each call is: the daemon's interceptor asks it, then checks the role */
    LiveDaemon(Path dir, String yaml, dev.taskmaster.server.security.Authenticator callers) throws Exception {
        this(dir, yaml, callers, 10_000);
    }

    /** @param journalCapacity how many events the journal keeps (small to see old ones forgotten) */
    LiveDaemon(Path dir, String yaml, dev.taskmaster.server.security.Authenticator callers, int journalCapacity)
            throws Exception {
        this.dir = dir;
        this.journal = new EventJournal(journalCapacity);
        Path file = Files.writeString(dir.resolve("taskmaster.yaml"), yaml);
        Config config = ConfigLoader.load(file, Map.of("TMP", dir.toString()));
        RuntimePaths paths = new RuntimePaths(dir.resolve("t.sock"), dir.resolve("t.pid"), dir.resolve("taskmasterd.log"),
                dir.resolve("logs"));
        outputs = new Outputs(paths.logdir());
        journal.addListener(outputs);
        engine = new Engine(config, new OsProcessLauncher(watcher, pump, System.getenv(), outputs), thread,
                EngineClock.SYSTEM, journal);
        info = new DaemonInfo("live", paths, config, Instant.now(), Instant.now());
        Map<String, String> env = Map.of("TMP", dir.toString());
        changes = new dev.taskmaster.server.daemon.ConfigChanges(engine, config,
                (source, validateOnly) -> CompletableFuture.supplyAsync(() -> {
                    try {
                        return ConfigLoader.load(source, env);
                    } catch (dev.taskmaster.config.ConfigException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                }, READER), next -> info = info.reloaded(next, Instant.now()));
        service = new TaskmasterService(() -> info, Clock.systemUTC(), engine, new DaemonControl() {
            @Override
            public <T> CompletableFuture<T> change(Step<T> step) {
                return changes.change(step);
            }

            @Override
            public CompletableFuture<ReloadOutcome> reload(boolean validateOnly, String requestedBy) {
                return changes.reload(validateOnly, requestedBy);
            }

            @Override
            public void shutdown(String reason, String requestedBy) {
                shutdownsAsked.add(reason);
            }
        }, outputs);
        name = InProcessServerBuilder.generateName();
        // Every call as an admin, through the daemon's one interceptor, as on the real socket.
        roles = new RoleInterceptor(callers);
        server = InProcessServerBuilder.forName(name).addService(service).intercept(roles).build().start();
        channel = InProcessChannelBuilder.forName(name).build();
        try {
            engine.startAutostart().get(10, TimeUnit.SECONDS);
        } catch (Exception | Error e) {
            close(); // the programs already started must not outlive a test that never gets this object
            throw e;
        }
    }

    TaskmasterServiceGrpc.TaskmasterServiceBlockingStub stub() {
        return TaskmasterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** A new connection to the daemon, as a client that reconnects makes; the caller closes it. */
    ManagedChannel newChannel() {
        return InProcessChannelBuilder.forName(name).build();
    }

    TaskmasterServiceGrpc.TaskmasterServiceStub async() {
        return TaskmasterServiceGrpc.newStub(channel);
    }

    ProcessSnapshot await(String name, ProcessState state) throws Exception {
        return engine.awaitState(name, s -> s == state).get(30, TimeUnit.SECONDS);
    }

    static void until(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
        Poll.until(what, java.time.Duration.ofMillis(timeoutMillis), condition);
    }

    @Override
    public void close() throws Exception {
        try {
            engine.shutdown("test over").get(30, TimeUnit.SECONDS);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            thread.close();
            watcher.close();
            pump.close();
            outputs.close();
        }
    }
}
