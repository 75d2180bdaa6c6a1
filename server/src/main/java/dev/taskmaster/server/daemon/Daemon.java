package dev.taskmaster.server.daemon;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.ListenerSpec;
import dev.taskmaster.server.api.DaemonControl;
import dev.taskmaster.server.api.DaemonInfo;
import dev.taskmaster.server.api.TaskmasterService;
import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.engine.EngineClock;
import dev.taskmaster.server.engine.EngineThread;
import dev.taskmaster.server.engine.EventJournal;
import dev.taskmaster.server.engine.EventLogger;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.health.SystemProber;
import dev.taskmaster.server.log.ConsoleStreams;
import dev.taskmaster.server.log.DaemonLog;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.Posix;
import dev.taskmaster.server.os.ResourceLimits;
import dev.taskmaster.server.os.Signals;
import dev.taskmaster.server.os.UserInfo;
import dev.taskmaster.server.output.Outputs;
import dev.taskmaster.server.security.CertificateRoles;
import dev.taskmaster.server.security.FailedAttempts;
import dev.taskmaster.server.security.Identities;
import dev.taskmaster.server.security.LocalAccess;
import dev.taskmaster.server.security.RoleInterceptor;
import dev.taskmaster.server.security.SocketAccess;
import dev.taskmaster.server.security.TokenFile;
import dev.taskmaster.server.security.Tokens;
import dev.taskmaster.server.spawn.ChildWatcher;
import dev.taskmaster.server.spawn.Descendants;
import dev.taskmaster.server.spawn.DescriptorBudget;
import dev.taskmaster.server.spawn.OsProcessLauncher;
import dev.taskmaster.server.spawn.OutputPump;
import dev.taskmaster.server.transport.ApiServer;
import dev.taskmaster.server.transport.TcpEndpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running daemon instance, from start-up to exit: the instance's lock first (nothing is
 * created or started without it), then log, socket, pidfile, the engine and its OS helpers;
 * as root with {@code server.user}, the switch to that user before any program starts. Runs on
 * the main thread, which then serves signals: SIGHUP reloads the configuration and the TLS
 * certificates, SIGUSR2 reopens the programs' log files (for an external logrotate), SIGTERM
 * and SIGINT stop every process and end the daemon with exit code 0.
 */
final class Daemon implements DaemonControl {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);
    /** Extra time, beyond the longest stoptime, before a shutdown stops waiting and kills what is left. */
    private static final long SHUTDOWN_MARGIN_SECONDS = 10;

    /** How the daemon is to run, from the command line. */
    record Options(String instance, Path socket, boolean logToStderr, boolean allowRoot, boolean exitAfterStart,
            ControlConsole.Factory shell, boolean fresh, int reexecHandover) {
        Options(String instance, Path socket, boolean logToStderr, boolean allowRoot, boolean exitAfterStart,
                ControlConsole.Factory shell) {
            this(instance, socket, logToStderr, allowRoot, exitAfterStart, shell, false, -1);
        }
    }

    /** How long the control shell may take to give the terminal back when the daemon stops. */
    private static final long SHELL_END_MILLIS = 2000;

    private final Options options;
    private final DaemonSignals signals = new DaemonSignals();
    /** The control shell of --shell, else null. */
    private ControlConsole shell;
    private volatile DaemonInfo info;
    private volatile Engine engine;
    private volatile Outputs outputs;
    /** What the programs leave behind: reaped, attributed, killed by their kill mode. */
    private volatile Descendants descendants;
    private volatile TaskmasterService service;
    /** The bearer tokens of server.tokens_file; read again on reload. */
    private Tokens tokens = Tokens.none();
    /** Who asked for the shutdown through the API, for the events; empty when a signal did. */
    private volatile String shutdownRequestedBy = "";
    /** The API on the socket and the TCP listeners; set once at start. */
    private volatile ApiServer api;
    /** What the start did to the limit on open files; empty if it could not be read. Main thread. */
    private Optional<ResourceLimits.Raise> openFiles = Optional.empty();
    /** Why the start of the programs failed on the engine thread, if it did; the daemon then ends with exit code 3. */
    private volatile String startError;
    /** Reads the configuration for reloads, off every thread the API and the engine need. */
    private final ConfigReader reader = new ConfigReader();
    /** The one path of every change of the configuration; set with the engine. */
    private volatile ConfigChanges changes;
    /** What the program before a re-exec handed over; null after a plain start. */
    private dev.taskmaster.server.reexec.Handover handover;
    /** Replaces this program in place (ReexecDaemon); set with the engine. */
    private volatile dev.taskmaster.server.reexec.Reexecutor reexecutor;
    /** A re-exec is accepted and not over (it failed, or this program is gone). */
    private final java.util.concurrent.atomic.AtomicBoolean reexecuting = new java.util.concurrent.atomic.AtomicBoolean();
    /** What the main thread is asked for when a re-exec was accepted. */
    private static final String REEXEC_REQUEST = "re-exec";
    /** The daemon has begun to stop: no re-exec any more. */
    private volatile boolean stopping;
    /** The processes on disk for the next daemon, should this one crash; removed by a clean shutdown. */
    private volatile dev.taskmaster.server.recovery.StateFile stateFile;
    /** server.syslog and stdout_syslog/stderr_syslog: the way to syslog, opened at its first line. */
    private volatile dev.taskmaster.server.syslog.SyslogOutlet syslog;
    /** The notify: rules at work (none when the configuration has none); null until the engine exists. */
    private volatile dev.taskmaster.server.notify.Notifier notifier;
    /** server.metrics: /metrics, or null when not served. */
    private volatile dev.taskmaster.server.metrics.DaemonMetrics metrics;
    /** Who calls, for the API and the HTTPS of /metrics alike; set with the roles, before anything is served. */
    private Identities identities;

    private Daemon(Options options) {
        this.options = options;
    }

    /** Runs until a termination signal; returns the exit code. */
    static int run(Config config, Options options, PrintWriter err) {
        return new Daemon(options).run(config, err);
    }

    private int run(Config config, PrintWriter err) {
        Instant started = Instant.now();
        // First of all, so that a signal during start-up is an orderly shutdown, not a JVM death.
        signals.install();
        takeHandover();
        Optional<String> refusal = refusal(config);
        if (refusal.isPresent()) {
            err.println("taskmasterd: " + refusal.get());
            err.flush();
            return DaemonCommand.EXIT_CANNOT_START;
        }
        List<String> notices = new ArrayList<>();
        raiseOpenFiles();
        String instance = options.instance() != null ? options.instance() : config.server().instance();
        Map<String, String> env = System.getenv();
        int euid = Posix.geteuid();
        RuntimePaths defaults = RuntimePaths.resolve(config.server(), instance, env, euid);
        RuntimePaths paths = options.socket() == null ? defaults
                : new RuntimePaths(options.socket().toAbsolutePath(), defaults.pidfile(), defaults.logfile(), defaults.logdir());
        Path runtimeDir = RuntimePaths.runtimeDir(env, euid);
        Optional<UserInfo> dropTo;
        InstanceLock lock;
        // Before anything else is created or started: the instance's lock, in a directory that is ours alone.
        try {
            dropTo = PrivilegeDrop.target(config);
            RuntimeDirectory.prepare(runtimeDir, othersMayConnect(config)).ifPresent(notices::add);
            lock = InstanceLock.acquire(instance, InstanceLock.file(runtimeDir, instance));
        } catch (InstanceLock.Busy e) {
            err.println("taskmasterd: " + e.getMessage());
            err.flush();
            return DaemonCommand.EXIT_CANNOT_START;
        } catch (IOException | IllegalStateException e) {
            return cannotStart(err, e.getMessage());
        }
        try (lock) {
            return run(config, instance, paths, runtimeDir, dropTo, notices, started, err);
        }
    }

    /**
     * The re-exec's last step before execve: a stop asked for meanwhile (SIGTERM during the
     * re-exec) fails it, everything is undone and the stop is served, rather than lost with the
     * exec; else the state file is written.
     */
    private void lastStepBeforeExec() {
        if (signals.stopPending(REEXEC_REQUEST)) {
            throw new IllegalStateException("a stop was asked for during the re-exec: stopping instead");
        }
        flushState();
    }

    /** Writes the state file now: the processes the program after a re-exec takes back are the ones it names. */
    private void flushState() {
        dev.taskmaster.server.recovery.StateFile file = stateFile;
        if (file == null) {
            return;
        }
        try {
            file.flushNow();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write the state file " + file.file() + ": " + e.getMessage(), e);
        }
    }

    /** After a re-exec: the journal and output rings of the program before (see {@link dev.taskmaster.server.reexec.HandoverFile}). */
    private void takeHandover() {
        if (options.reexecHandover() < 0) {
            return;
        }
        try {
            handover = dev.taskmaster.server.reexec.HandoverFile.take(options.reexecHandover());
        } catch (IOException e) {
            // Logged once the log is open; the processes come back through the state file all the same.
            handoverRefused = "re-exec handover refused: " + e.getMessage();
        }
    }

    /** Why the handover named on the command line was not taken, for the log; null if it was or there was none. */
    private String handoverRefused;

    /**
     * Raises the soft limit on open files to the hard one: the daemon holds several descriptors
     * per program. Said in the log once the start can no longer fail for reasons of its own
     * ({@link #openFilesNotice}): a start that fails says one line on stderr, no more.
     */
    private void raiseOpenFiles() {
        try {
            openFiles = Optional.of(ResourceLimits.raiseOpenFiles());
        } catch (NativeException e) {
            openFiles = Optional.empty();
            log.warn("open files: the limit stays as it is: {}", e.getMessage());
        }
    }

    /** What the start did to the limit on open files, for the log. */
    private String openFilesNotice() {
        return openFiles.map(raise -> raise.raised()
                ? "open files: limit raised from " + raise.before().soft() + " to " + raise.after().describe()
                        + " (the hard limit); programs start with " + raise.before().soft()
                : "open files: limit " + raise.after().describe()).orElse("open files: limit unknown");
    }

    /**
     * The soft limit programs start with when it differs from the daemon's own: the one the daemon
     * was given, as under systemd (1024 is what select() can handle; a program wanting more raises
     * its own). Empty when the daemon did not raise its limit.
     */
    private OptionalLong childOpenFiles() {
        return openFiles.filter(ResourceLimits.Raise::raised).map(r -> OptionalLong.of(r.before().soft()))
                .orElse(OptionalLong.empty());
    }

    /** The rest of the daemon's life, holding the instance's lock. */
    private int run(Config config, String instance, RuntimePaths paths, Path runtimeDir, Optional<UserInfo> dropTo,
            List<String> notices, Instant started, PrintWriter err) {
        boolean dropping = dropTo.isPresent();
        Path logDir = paths.logfile().toAbsolutePath().normalize().getParent();
        Path logdir = paths.logdir().toAbsolutePath().normalize();
        List<Path> handOver = new ArrayList<>();
        try {
            Path pidDir = paths.pidfile().toAbsolutePath().getParent();
            if (!pidDir.equals(runtimeDir)) {
                Directories.prepare(pidDir, "pidfile");
            }
            Pidfile.removeStale(paths.pidfile()).ifPresent(notices::add);
            SocketGuard.prepare(paths.socket(), paths.socket().toAbsolutePath().getParent().equals(runtimeDir),
                    othersMayConnect(config)).ifPresent(notices::add);
            // The daemon log's own directory and the logdir may go to server.user, but only if made now.
            List<Path> made = new ArrayList<>(Directories.createMissing(logDir));
            made.addAll(Directories.createMissing(logdir));
            handOver.addAll(made.stream().filter(d -> d.equals(logDir) || d.equals(logdir)).toList());
            if (Posix.geteuid() == 0 && !dropping) {
                Directories.requireOwnedByRoot(logDir, "daemon log's directory");
                Directories.requireOwnedByRoot(logdir, "logdir");
            }
            shell = options.shell() != null ? options.shell().open(paths.socket(), System.err) : null;
            if (!dropping) {
                // Switching users, the log is opened only afterwards, as that user (PrivilegeDrop).
                openLog(config, paths);
                notices.forEach(log::info);
            }
        } catch (IOException | IllegalStateException e) {
            return cannotStart(err, e.getMessage());
        }
        RoleInterceptor roles;
        try {
            roles = roles(config, dropTo);
        } catch (TokenFile.Invalid e) {
            e.problems().forEach(p -> log.error("{}", p));
            return cannotStart(err, "server.tokens_file: " + String.join("; ", e.problems()));
        }
        SocketAccess socketAccess = SocketAccess.of(config.server().access());
        // Before anything starts: a busy port or a bad key ends the start here, in one line.
        List<TcpEndpoint> endpoints = new ArrayList<>();
        try {
            for (ListenerSpec listener : config.server().listen()) {
                endpoints.add(TcpEndpoint.prepare(listener));
            }
        } catch (IOException e) {
            return cannotStart(err, e.getMessage());
        }
        info = new DaemonInfo(instance, paths, config, started, started);
        // What the previous daemon of this instance left running, if it crashed: resumed, or killed with --fresh.
        Path statePath = dev.taskmaster.server.recovery.StateFile.path(runtimeDir, instance);
        dev.taskmaster.server.recovery.Recovery recovery = dev.taskmaster.server.recovery.Recovery.begin(statePath, config,
                options.fresh());
        try (ChildWatcher watcher = new ChildWatcher(); Descendants descendants = new Descendants(watcher, recovery.ownChildren());
                OutputPump pump = new OutputPump(); EngineThread engineThread = new EngineThread();
                SystemProber prober = new SystemProber(InheritedEnvironment.of(System.getenv()))) {
            // A subreaper from before the first spawn: whatever a program leaves comes back to the daemon.
            this.descendants = descendants;
            EventJournal journal = new EventJournal(10_000);
            if (handover != null) {
                // A re-exec: the same journal goes on, with no gap (the state file's sequence may lag it).
                journal.restore(handover.journalId(), handover.lastSequence(), handover.events());
            } else {
                recovery.continueJournal(journal);
            }
            journal.addListener(new EventLogger());
            Outputs outputs = new Outputs(paths.logdir());
            this.outputs = outputs;
            if (handover != null) {
                // Before any byte of output: offsets go on where they were.
                handover.rings().forEach((name, image) -> outputs.of(name).ring().restore(image));
                log.info("re-executed (re-exec #{} since {}): {} events and the output of {} processes taken over",
                        handover.reexecs(), handover.firstStart(), handover.events().size(), handover.rings().size());
            } else if (handoverRefused != null) {
                log.warn("{}", handoverRefused);
            }
            journal.addListener(outputs);
            outputs.tapWith(new dev.taskmaster.server.syslog.OutputToSyslog(syslogOutlet(config)));
            DescriptorBudget budget = DescriptorBudget.ofProcess();
            OsProcessLauncher launcher = new OsProcessLauncher(watcher, pump, InheritedEnvironment.of(System.getenv()), outputs, budget,
                    childOpenFiles(), descendants);
            Engine engine = new Engine(config, launcher, engineThread, EngineClock.SYSTEM, journal, prober);
            this.engine = engine;
            this.notifier = NotifierWiring.start(config, journal, engineThread, outputs);
            config.server().metrics().ifPresent(address -> {
                metrics = new dev.taskmaster.server.metrics.DaemonMetrics(address, outputs, syslogOutlet(config)::current,
                        instance, Version.current(), handover != null ? handover.firstStart() : started, identities);
                metrics.follow(engine);
                dev.taskmaster.server.notify.Notifier n = notifier;
                metrics.countNotifications(() -> n.counters().rows());
            });
            this.changes = new ConfigChanges(engine, config, this::read, this::applied);
            if (dropping) {
                log.warn("no state file: a daemon that switches to server.user cannot write in root's runtime directory {};"
                        + " after a crash of this daemon, its programs would not be found again", runtimeDir);
            } else {
                stateFile = dev.taskmaster.server.recovery.StateFile.start(statePath, journal.lastSequence(),
                        recovery.survivors().values());
                journal.addListener(stateFile);
            }
            // Nothing of Netty is built until start(): its set-up costs ~0.3 s.
            ApiServer api = new ApiServer(paths.socket(), endpoints, () -> {
                service = new TaskmasterService(() -> info, Clock.systemUTC(), engine, this, outputs);
                return service;
            }, metrics != null ? List.of(metrics.interceptor(), roles) : List.of(roles), socketAccess);
            this.api = api;
            this.reexecutor = new dev.taskmaster.server.reexec.Reexecutor(new dev.taskmaster.server.reexec.Reexecutor.Parts(
                    engine, outputs, pump, watcher, new dev.taskmaster.server.reexec.Reexecutor.Api() {
                        @Override
                        public void stop() {
                            TaskmasterService s = service;
                            if (s != null) {
                                s.endStreams(TaskmasterService.REEXECUTING);
                            }
                            api.close(TaskmasterService.REEXECUTING);
                            if (metrics != null) {
                                metrics.stopServing(); // the new image binds the port again
                            }
                        }

                        @Override
                        public void restart() throws IOException {
                            api.restart();
                            if (metrics != null) {
                                metrics.serve();
                            }
                        }
                    }, this::lastStepBeforeExec, InstanceLock.file(runtimeDir, instance),
                    handover != null ? handover.firstStart() : started, handover != null ? handover.reexecs() : 0));
            // The API before any program: a daemon that cannot answer for its programs must not run
            // them. Dropping privileges, the socket is bound and the pidfile written as root first
            // (both stay root's, in root's runtime directory), and programs start as the new user.
            // Until the programs' start is queued on the engine, calls may look but not act: a start
            // then would come before the autostart (and, as root, run as root).
            roles.hold(dropping ? "taskmasterd is switching to server.user " + dropTo.get().name()
                    : "taskmasterd is starting");
            // Counted now, as the reserve is: the API's own descriptors come out of the reserve.
            Optional<String> misfit = budget.misfit(config.instances());
            try {
                startApi(api, budget);
                if (metrics != null) {
                    metrics.serve();
                }
                if (dropping) {
                    writePidfile(paths.pidfile());
                    dropPrivileges(dropTo.get(), config, paths, logDir, handOver, notices);
                }
            } catch (IOException | RuntimeException e) {
                return startFailed(err, null, pump, paths, reason(e));
            }
            log.info("{}", openFilesNotice());
            misfit.ifPresent(warning -> log.warn("{}", warning));
            // From here on, programs run: a start-up that fails stops every one of them.
            try {
                engine.startAutostart(recovery.survivors()).whenComplete((done, error) -> {
                    if (error != null) {
                        startError = reason(error instanceof CompletionException ? error.getCause() : error);
                        log.error("cannot start: {}", startError);
                        signals.request("start-up failed");
                    }
                });
                roles.release();
                if (!dropping) {
                    // Last: a pidfile means the daemon is up and its socket answers.
                    writePidfile(paths.pidfile());
                }
            } catch (IOException | RuntimeException e) {
                return startFailed(err, engine, pump, paths, reason(e));
            }
            log.info("taskmasterd {} started: instance {}, pid {}, config {}, socket {}{}", Version.current(), instance,
                    ProcessHandle.current().pid(), config.source(), paths.socket(), misfit.isPresent()
                            ? "; the open-files limit is too low for the configuration (see the warning above)" : "");
            try {
                return serve(engine, pump, paths, err);
            } catch (RuntimeException | Error e) {
                // A bug: the programs must not outlive the daemon that lost track of them.
                log.error("taskmasterd failed; stopping every process", e);
                try {
                    shutdown(engine, "internal error");
                } catch (RuntimeException again) {
                    killEverything(engine);
                }
                outputs.close();
                finish(api, paths, DaemonCommand.EXIT_CANNOT_START);
                err.println("taskmasterd: stopped on an internal error (every process was stopped): " + reason(e));
                err.flush();
                return DaemonCommand.EXIT_CANNOT_START;
            }
        } catch (NativeException e) {
            log.error("cannot start supervision: {}", e.getMessage());
            Pidfile.remove(paths.pidfile());
            DaemonLog.close();
            return cannotStart(err, "cannot start supervision: " + e.getMessage());
        }
    }

    /** Serves signals (and the control shell) until the daemon is to stop; stops every process; returns the exit code. */
    private int serve(Engine engine, OutputPump pump, RuntimePaths paths, PrintWriter err) {
        if (shell != null) {
            startShell();
        }
        String reason = options.exitAfterStart() ? "--exit-after-start" : serveSignals();
        stopping = true;
        api.shuttingDown(); // health says so at once, while the processes stop
        if (shell != null) {
            // First, so the terminal is itself again while the stopping is logged.
            shell.end(SHELL_END_MILLIS);
        }
        shutdown(engine, reason);
        awaitOutput(pump);
        if (notifier != null) {
            notifier.close(); // after the last state change, so that the stop's events go out too
            // Its last losses are journaled (and logged) through the engine thread: let them be
            // before the log closes, or a message lost at shutdown would go unsaid.
            try {
                engine.runAlone(() -> { }).get(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception late) {
                log.warn("notification failures reported at shutdown may be missing from the event log: {}", late.toString());
            }
        }
        if (service != null) {
            service.endStreams();
        }
        outputs.close();
        if (startError != null) {
            finish(api, paths, DaemonCommand.EXIT_CANNOT_START);
            return cannotStart(err, startError);
        }
        return finish(api, paths, 0);
    }

    /**
     * Binds the socket and the TCP listeners, once it is sure the daemon keeps the descriptors it
     * needs for itself (a limit too low for that would let no program start anyway).
     */
    private void startApi(ApiServer api, DescriptorBudget budget) throws IOException {
        Optional<String> shortfall = budget.shortfall();
        if (shortfall.isPresent()) {
            throw new IOException(shortfall.get());
        }
        api.start();
        info = info.listening(api.tcpAddresses());
    }

    /**
     * A start-up that cannot go on: every program it started is stopped (none is left running
     * without a supervisor), the API closed, and the daemon ends with {@link DaemonCommand#EXIT_CANNOT_START}
     * and one line on stderr and in the log.
     *
     * @param engine the engine whose programs to stop; null when none was started yet
     */
    private int startFailed(PrintWriter err, Engine engine, OutputPump pump, RuntimePaths paths, String why) {
        log.error("cannot start: {}", why);
        if (engine != null) {
            shutdown(engine, "start-up failed");
            awaitOutput(pump);
        }
        outputs.close();
        finish(api, paths, DaemonCommand.EXIT_CANNOT_START);
        return cannotStart(err, why);
    }

    /** One line for a failure: the message, with the exception's type when the message alone says too little. */
    private static String reason(Throwable e) {
        if (e instanceof IOException && e.getMessage() != null) {
            return e.getMessage();
        }
        // Netty's failures wrap the system call's error: "failed to create a child event loop" says nothing.
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return root == e ? message : message + ": " + (root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getMessage());
    }

    private static void writePidfile(Path pidfile) throws IOException {
        try {
            Pidfile.write(pidfile);
        } catch (IOException e) {
            // The JDK's message may be the errno's text alone ("No space left on device").
            throw new IOException("cannot write the pidfile " + pidfile + ": " + e.getMessage(), e);
        }
    }

    /** The daemon log, with the console of the foreground or the control shell. */
    private void openLog(Config config, RuntimePaths paths) throws IOException {
        OutputStream console = !options.logToStderr() ? null
                : shell != null ? ConsoleStreams.lines(shell::printAbove) : ConsoleStreams.stderr();
        DaemonLog.configure(paths.logfile(), config.server().loglevel(), config.server().logRotation(),
                config.server().logfileMode(), console);
        if (config.server().syslog().daemonLog()) {
            dev.taskmaster.server.syslog.DaemonLogToSyslog.attach(syslogOutlet(config).sender(), config.server().syslog().tag());
        }
    }

    /** The way to syslog, made with the first configuration's server.syslog. */
    private dev.taskmaster.server.syslog.SyslogOutlet syslogOutlet(Config config) {
        if (syslog == null) {
            syslog = new dev.taskmaster.server.syslog.SyslogOutlet(config.server().syslog());
        }
        return syslog;
    }

    /**
     * Whether other local users may connect to the socket: {@code server.access} grants a local
     * user or group a role. The runtime directory is then 0711 (others may pass, not list), and
     * the socket's own mode and group say who may connect (see {@link SocketAccess}).
     */
    private static boolean othersMayConnect(Config config) {
        return !SocketAccess.of(config.server().access()).isPrivate();
    }

    /**
     * Runs the control shell on a thread of its own (the main thread serves signals); however
     * it is left, the daemon stops: it was started for this terminal.
     */
    private void startShell() {
        ControlConsole running = shell;
        Thread.ofPlatform().name("control-shell").daemon(true).start(() -> {
            try {
                running.run();
            } catch (RuntimeException e) {
                log.error("control shell failed: {}", e.toString());
            } finally {
                shutdown("the control shell was closed");
            }
        });
    }

    /** Serves reloads until a termination signal or request arrives; returns its reason. */
    private String serveSignals() {
        while (true) {
            String signal;
            try {
                signal = signals.next();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
            if (signal.equals(REEXEC_REQUEST)) {
                IOException failed = reexecutor.run(); // returns only if the exec failed, everything running again
                log.error("re-exec failed: {}", failed.getMessage());
                reexecuting.set(false);
                continue;
            }
            if (signal.equals("SIGUSR2")) {
                log.info("received SIGUSR2: reopening the program log files");
                outputs.reopenLogs();
                continue;
            }
            if (!signal.equals("SIGHUP")) {
                return signal;
            }
            log.info("received SIGHUP: reloading {}", info.config().source());
            reload(false, "");
        }
    }

    @Override
    public CompletableFuture<ReloadOutcome> reload(boolean validateOnly, String requestedBy) {
        return changes.reload(validateOnly, requestedBy);
    }

    @Override
    public CompletableFuture<List<dev.taskmaster.server.notify.Notifier.TestResult>> testNotification(Optional<String> rule) {
        dev.taskmaster.server.notify.Notifier n = notifier;
        return n == null ? CompletableFuture.completedFuture(List.of()) : n.test(rule);
    }

    @Override
    public <T> CompletableFuture<T> change(Step<T> step) {
        return changes.change(step);
    }

    /**
     * Reads the configuration for a reload. Reading files is disk work that may block: on the
     * reader's own thread, never on the engine's, a gRPC one or the signal loop, so that the API
     * answers throughout.
     */
    private CompletableFuture<Config> read(Path source, boolean validateOnly) {
        return reader.read(source, () -> {
            if (!validateOnly && api != null) {
                // Certificates are files like the configuration, renewed on their own schedule: a
                // reload takes them too, whether or not the configuration is valid.
                api.reloadCertificates();
                if (metrics != null) {
                    metrics.reloadCertificates(); // the HTTPS of /metrics, from the same files or its own
                }
                reloadTokens();
            }
            return ConfigLoader.load(source);
        });
    }

    /** A new configuration is the running one: published for the API. */
    private void applied(Config next) {
        if (!next.server().listen().equals(info.config().server().listen())) {
            log.warn("server.listen changed: the listeners stay on {} until the daemon restarts",
                    info.tcpAddresses().isEmpty() ? "the socket only" : String.join(", ", info.tcpAddresses()));
        }
        if (!next.server().metrics().equals(info.config().server().metrics())
                || !next.server().syslog().equals(info.config().server().syslog())) {
            log.warn("server.metrics and server.syslog changes apply when the daemon restarts");
        }
        info = info.reloaded(next, Instant.now());
        if (notifier != null) {
            notifier.update(next.notifyRules()); // a reload applies changed notify rules
        }
    }

    @Override
    public CompletableFuture<ReexecAccepted> reexec(String requestedBy) {
        Optional<String> refusal = reexecRefusal();
        if (refusal.isPresent()) {
            return CompletableFuture.failedFuture(new ReexecRefused(refusal.get()));
        }
        if (!reexecuting.compareAndSet(false, true)) {
            return CompletableFuture.failedFuture(new ReexecRefused("a re-exec is already under way"));
        }
        // The new program reads the configuration file again: it must be valid, or it would not start.
        return engine.snapshot().thenCompose(processes -> {
            // What the state file cannot carry: a stop under way (its SIGKILL deadline), a pause
            // (the new daemon would see a stopped process as RUNNING), output held back in memory
            // because its log cannot be written. Refused rather than lost.
            Optional<String> busy = reexecBusy(processes);
            if (busy.isPresent()) {
                reexecuting.set(false);
                throw new ReexecRefused(busy.get());
            }
            return reader.read(info.config().source(), () -> ConfigLoader.load(info.config().source()));
        }).handle((next, error) -> {
                    if (error != null && (error instanceof ReexecRefused
                            || error instanceof CompletionException c && c.getCause() instanceof ReexecRefused)) {
                        throw error instanceof ReexecRefused r ? r : (ReexecRefused) error.getCause();
                    }
                    if (error != null) {
                        reexecuting.set(false);
                        Throwable cause = error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error;
                        String why = cause instanceof dev.taskmaster.config.ConfigException c && !c.errors().isEmpty()
                                ? c.errors().getFirst() + (c.errors().size() > 1 ? " (and " + (c.errors().size() - 1)
                                        + " more)" : "") : firstLine(cause.getMessage());
                        throw new ReexecRefused("the configuration " + info.config().source()
                                + " would not load, so a new program could not start: " + why);
                    }
                    log.info("re-exec requested by {}", requestedBy.isEmpty() ? "the daemon" : requestedBy);
                    ReexecAccepted accepted = new ReexecAccepted((int) ProcessHandle.current().pid(), info.startTime(),
                            engine.journal().lastSequence());
                    signals.request(REEXEC_REQUEST);
                    return accepted;
                });
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("");
    }

    /** Which process keeps a re-exec from being lossless now, and why; empty when none. */
    private Optional<String> reexecBusy(java.util.List<dev.taskmaster.server.engine.ProcessSnapshot> processes) {
        for (dev.taskmaster.server.engine.ProcessSnapshot p : processes) {
            if (p.state() == dev.taskmaster.server.engine.ProcessState.STOPPING
                    || p.state() == dev.taskmaster.server.engine.ProcessState.PAUSED) {
                return Optional.of(p.spec().name() + " is " + p.state() + ": a re-exec would lose that; try again once it is"
                        + (p.state() == dev.taskmaster.server.engine.ProcessState.PAUSED ? " resumed or stopped" : " stopped"));
            }
            Optional<String> blocked = outputs == null ? Optional.empty()
                    : outputs.find(p.spec().name()).flatMap(dev.taskmaster.server.output.ProcessOutput::logWritingStopped);
            if (blocked.isPresent()) {
                return Optional.of(p.spec().name() + "'s log cannot be written (" + blocked.get()
                        + "): output held in memory would be lost; try again once it is written");
            }
        }
        return Optional.empty();
    }

    /** Why this daemon cannot re-execute itself now. */
    private Optional<String> reexecRefusal() {
        if (stopping) {
            return Optional.of("taskmasterd is shutting down");
        }
        if (reexecutor == null) {
            return Optional.of("taskmasterd is still starting");
        }
        if (shell != null) {
            return Optional.of("taskmasterd runs with --shell: its control shell holds this terminal; stop it instead");
        }
        if (options.exitAfterStart()) {
            return Optional.of("taskmasterd runs with --exit-after-start");
        }
        if (info.config().server().user().isPresent() && Posix.geteuid() != 0) {
            return Optional.of("taskmasterd dropped its privileges to server.user " + info.config().server().user().get()
                    + ": a new program would start as that user, without root's runtime directory; restart it instead");
        }
        return dev.taskmaster.server.reexec.Reexecutor.check();
    }

    @Override
    public void shutdown(String reason, String requestedBy) {
        if (!requestedBy.isEmpty()) {
            shutdownRequestedBy = requestedBy;
        }
        stopping = true;
        ApiServer a = api;
        if (a != null) {
            a.shuttingDown(); // before the answer to the API's Shutdown: health has changed when it returns
        }
        signals.request(reason);
    }

    /** Shutdown asked for by the daemon itself (its control shell was closed). */
    private void shutdown(String reason) {
        shutdown(reason, "");
    }

    /**
     * The one interceptor of every call: callers identified by SO_PEERCRED on the Unix socket,
     * by certificate or bearer token over TCP, each given the role server.access or its
     * credentials grant. The tokens file may belong to root, to the daemon's user, or to the
     * user it is about to drop to.
     */
    private RoleInterceptor roles(Config config, Optional<UserInfo> dropTo) throws TokenFile.Invalid {
        int runAs = dropTo.map(UserInfo::uid).orElse(Posix.geteuid());
        int owner = runAs;
        tokens = Tokens.load(config.server().tokensFile(), () -> Posix.geteuid() == 0 ? owner : Posix.geteuid());
        config.server().tokensFile().ifPresent(f -> log.info("{} bearer token(s) accepted from {}", tokens.size(), f));
        identities = new Identities(
                new LocalAccess(config.server().access(), Posix::geteuid, LocalAccess.Accounts.SYSTEM),
                new CertificateRoles(config.server().access()), tokens, new FailedAttempts(),
                local -> api == null ? Optional.empty() : api.clientTrust(local));
        return new RoleInterceptor(identities);
    }

    /** A reload reads the tokens file again; an invalid one changes nothing, as an invalid configuration does. */
    private void reloadTokens() {
        if (tokens.file().isEmpty()) {
            return;
        }
        try {
            log.info("{} bearer token(s) accepted from {} after reload", tokens.reload(), tokens.file().get());
        } catch (TokenFile.Invalid e) {
            log.error("server.tokens_file not reloaded, the tokens read before stay in force:");
            e.problems().forEach(p -> log.error("  {}", p));
        }
    }

    /** Stops every process; if that takes far longer than any stoptime allows, kills what is left. */
    private void shutdown(Engine engine, String reason) {
        log.info(reason.startsWith("SIG") ? "received {}, stopping every process" : "{}: stopping every process", reason);
        long longest = info.config().programs().stream().mapToLong(p -> p.stoptime().toSeconds()).max().orElse(0);
        try {
            engine.shutdown(reason, shutdownRequestedBy).get(longest * Math.max(1, priorities()) + SHUTDOWN_MARGIN_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.error("processes did not stop in time ({}); killing what is left", e.getClass().getSimpleName());
            killEverything(engine);
        }
        Descendants left = descendants;
        if (left != null) {
            // Every main process has ended: what their groups and sessions still hold goes too (killmode).
            left.finish(java.time.Duration.ofSeconds(5));
        }
        if (stateFile != null) {
            // Nothing runs any more: the next daemon has nothing to recover.
            stateFile.remove();
        }
    }

    private long priorities() {
        return info.config().programs().stream().mapToInt(p -> p.priority()).distinct().count();
    }

    /** Last resort, so that no child outlives the daemon. */
    private static void killEverything(Engine engine) {
        try {
            List<ProcessSnapshot> all = engine.snapshot().get(5, TimeUnit.SECONDS);
            for (ProcessSnapshot s : all) {
                if (s.pid() > 0) {
                    try {
                        Signals.killProcessGroup(s.pid(), Signals.SIGKILL);
                    } catch (NativeException e) {
                        log.debug("kill {}: {}", s.pid(), e.getMessage());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.error("cannot list processes to kill: {}", e.getMessage());
        }
    }

    /** The children are gone; give the pump a moment to copy what they wrote last into the logs. */
    private static void awaitOutput(OutputPump pump) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (pump.size() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private int finish(ApiServer api, RuntimePaths paths, int code) {
        api.close();
        if (metrics != null) {
            metrics.close();
        }
        Pidfile.remove(paths.pidfile());
        log.info("taskmasterd stopped");
        if (syslog != null) {
            syslog.close(); // after the last line, which it sends first
        }
        DaemonLog.close();
        return code;
    }

    private Optional<String> refusal(Config config) {
        String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return Optional.of("runs on Linux only (this is " + os + ")");
        }
        if (Posix.geteuid() == 0 && config.server().user().isEmpty() && !options.allowRoot()) {
            return Optional.of("refusing to run as root: set server.user in " + config.source()
                    + " to the user to run as, or pass --allow-root");
        }
        return Optional.empty();
    }

    /**
     * As root with server.user set: hand that user the log directories made by this start,
     * become it, and only then open the logs (see {@link PrivilegeDrop}).
     */
    private void dropPrivileges(UserInfo user, Config config, RuntimePaths paths, Path logDir, List<Path> handOver,
            List<String> notices) throws IOException {
        PrivilegeDrop.handOver(user, handOver);
        PrivilegeDrop.become(user);
        PrivilegeDrop.requireWritable(user, logDir, "daemon log's directory");
        PrivilegeDrop.requireWritable(user, paths.logdir(), "logdir");
        openLog(config, paths);
        log.info("dropped privileges to user {} (uid {}, gid {})", user.name(), user.uid(), user.gid());
        notices.forEach(log::info);
    }

    private static int cannotStart(PrintWriter err, String why) {
        err.println("taskmasterd: cannot start: " + why);
        err.flush();
        return DaemonCommand.EXIT_CANNOT_START;
    }
}
