package dev.taskmaster.server;

import dev.taskmaster.config.Config;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running daemon instance: its log, pidfile and API socket, from start-up until a
 * SIGTERM or SIGINT ends it. Process supervision (the engine) plugs in here.
 */
final class Daemon {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private Daemon() {
    }

    /** Runs until a termination signal; returns the exit code. */
    static int run(Config config, String instanceOverride, Path socketOverride, boolean logToStderr, PrintWriter err) {
        Instant started = Instant.now();
        // First of all, so that a signal during start-up is an orderly shutdown, not a JVM death.
        TerminationSignals signals = new TerminationSignals();
        signals.install();
        String instance = instanceOverride != null ? instanceOverride : config.server().instance();
        RuntimePaths defaults = RuntimePaths.resolve(config.server(), instance, System.getenv(), RuntimePaths.currentUid());
        RuntimePaths paths = socketOverride == null ? defaults
                : new RuntimePaths(socketOverride.toAbsolutePath(), defaults.pidfile(), defaults.logfile(), defaults.logdir());
        try {
            Files.createDirectories(paths.logfile().toAbsolutePath().getParent());
            DaemonLog.configure(paths.logfile(), config.server().loglevel(), config.server().logRotation(), logToStderr);
            SocketGuard.prepare(paths.socket());
        } catch (IOException | IllegalStateException e) {
            err.println("taskmasterd: cannot start: " + e.getMessage());
            err.flush();
            return DaemonCommand.EXIT_CANNOT_START;
        }
        DaemonInfo info = new DaemonInfo(instance, paths, config, started, started);
        ApiServer api = new ApiServer(paths.socket(), new TaskmasterService(() -> info, Clock.systemUTC()));
        try {
            api.start();
            writePidfile(paths.pidfile());
        } catch (IOException e) {
            api.close();
            err.println("taskmasterd: cannot start: " + e.getMessage());
            err.flush();
            return DaemonCommand.EXIT_CANNOT_START;
        }
        log.info("taskmasterd {} started: instance {}, pid {}, config {}, socket {}", Version.current(), instance,
                ProcessHandle.current().pid(), config.source(), paths.socket());
        log.info("configuration has {} programs ({} processes): {}", config.programs().size(),
                config.instances().size(), String.join(", ", config.instances().stream().map(i -> i.name()).toList()));
        log.warn("process supervision is not implemented in this build yet: programs are validated but not started");

        try {
            log.info("received {}, shutting down", signals.await());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            api.close();
            deleteQuietly(paths.pidfile());
            log.info("taskmasterd stopped");
        }
        return 0;
    }

    /** Written to a temporary file and renamed, so a reader never sees a half-written pid. */
    private static void writePidfile(Path pidfile) throws IOException {
        Files.createDirectories(pidfile.toAbsolutePath().getParent());
        Path tmp = pidfile.resolveSibling(pidfile.getFileName() + ".tmp");
        Files.writeString(tmp, ProcessHandle.current().pid() + "\n");
        Files.move(tmp, pidfile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", file, e.getMessage());
        }
    }
}
