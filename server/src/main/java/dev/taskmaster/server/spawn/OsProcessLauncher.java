package dev.taskmaster.server.spawn;

import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.KillMode;
import dev.taskmaster.config.OutputSpec;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.config.Signal;
import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ProcessLauncher;
import dev.taskmaster.server.os.Errno;
import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.PidFd;
import dev.taskmaster.server.os.Pipe;
import dev.taskmaster.server.os.Pty;
import dev.taskmaster.server.output.Outputs;
import dev.taskmaster.server.output.ProcessInput;
import dev.taskmaster.server.output.ProcessOutput;
import dev.taskmaster.server.output.StdStream;
import dev.taskmaster.server.os.PosixSpawn;
import dev.taskmaster.server.os.Signals;
import dev.taskmaster.server.os.SpawnRequest;
import dev.taskmaster.server.os.Stdio;
import dev.taskmaster.server.os.UserInfo;
import dev.taskmaster.server.os.Users;
import dev.taskmaster.server.os.WaitStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts real processes with posix_spawn: a new session (so the process group can be signalled
 * as one), a clean signal state, no inherited descriptors, stdin from a pipe the daemon can
 * write to, stdout/stderr into pipes the {@link OutputPump} drains into the instance's
 * {@link ProcessOutput} (or, with {@code tty}, all three on a pseudo-terminal that becomes the
 * child's controlling terminal), and exits reported by the {@link ChildWatcher}.
 * posix_spawn cannot set a umask, a resource limit or switch users, so those go through
 * {@code sh -c 'umask … && ulimit -S -n …'} and {@code setpriv}, added to the command line only
 * when needed. A spawn that would take descriptors the daemon keeps for itself is refused
 * ({@link DescriptorBudget}).
 *
 * <p>Threading: {@link #launchInBackground} is called by the engine thread and runs each
 * {@link #launch} on a spawner thread ({@link LaunchPool}), several instances at once; the
 * engine thread never waits on a launch. {@link #adopt} and {@link #resume} run on the engine
 * thread and return at once.
 */
public final class OsProcessLauncher implements ProcessLauncher {

    private static final Logger log = LoggerFactory.getLogger(OsProcessLauncher.class);
    private static final Path SH = Path.of("/bin/sh");
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    static final String DEFAULT_TERM = "xterm-256color";
    /**
     * Spawner threads: one per CPU, plus one so that a CPU stays busy while a thread waits in a
     * spawn for its child's exec (bench/README.md, spawn1000).
     */
    private static final int SPAWNER_THREADS = Runtime.getRuntime().availableProcessors() + 1;

    private final ChildWatcher watcher;
    private final OutputPump pump;
    private final Map<String, String> daemonEnv;
    private final Outputs outputs;
    private final LaunchPool pool;
    private final DescriptorBudget budget;
    /** The soft limit on open files programs start with, when it is not the daemon's own; else empty. */
    private final OptionalLong childOpenFiles;
    /** What the programs leave behind; null when the daemon does not look after it (some tests). */
    private final Descendants descendants;
    /**
     * {@code taskmasterd run}: the programs get the daemon's own stdin, stdout and stderr instead
     * of pipes (a terminal stays a terminal), and the streams that would be captured to their
     * default log file are not captured at all. False for the daemon.
     */
    private final boolean passThroughStdio;

    public OsProcessLauncher(ChildWatcher watcher, OutputPump pump, Map<String, String> daemonEnv, Outputs outputs) {
        this(watcher, pump, daemonEnv, outputs, DescriptorBudget.ofProcess(), OptionalLong.empty());
    }

    /**
     * @param budget         refuses a spawn that would leave the daemon too few descriptors
     * @param childOpenFiles the soft limit on open files each program starts with, when it is to
     *                       differ from the daemon's (which raised its own at start-up)
     */
    public OsProcessLauncher(ChildWatcher watcher, OutputPump pump, Map<String, String> daemonEnv, Outputs outputs,
            DescriptorBudget budget, OptionalLong childOpenFiles) {
        this(watcher, pump, daemonEnv, outputs, budget, childOpenFiles, null);
    }

    /**
     * @param descendants reaps and attributes what the programs leave behind, and kills it by their
     *                    kill mode; null to leave that alone (the main process's group is still
     *                    killed at its exit when its kill mode says so)
     */
    public OsProcessLauncher(ChildWatcher watcher, OutputPump pump, Map<String, String> daemonEnv, Outputs outputs,
            DescriptorBudget budget, OptionalLong childOpenFiles, Descendants descendants) {
        this(watcher, pump, daemonEnv, outputs, budget, childOpenFiles, descendants, false);
    }

    /**
     * A launcher for {@code taskmasterd run}: as the one above, with the programs' standard
     * descriptors the daemon's own (see {@link #passThroughStdio}).
     */
    public static OsProcessLauncher passingStdioThrough(ChildWatcher watcher, OutputPump pump, Map<String, String> daemonEnv,
            Outputs outputs, Descendants descendants) {
        return new OsProcessLauncher(watcher, pump, daemonEnv, outputs, DescriptorBudget.ofProcess(), OptionalLong.empty(),
                descendants, true);
    }

    private OsProcessLauncher(ChildWatcher watcher, OutputPump pump, Map<String, String> daemonEnv, Outputs outputs,
            DescriptorBudget budget, OptionalLong childOpenFiles, Descendants descendants, boolean passThroughStdio) {
        this.passThroughStdio = passThroughStdio;
        this.descendants = descendants;
        this.watcher = watcher;
        this.pump = pump;
        this.daemonEnv = Map.copyOf(daemonEnv);
        this.outputs = outputs;
        this.pool = new LaunchPool(SPAWNER_THREADS);
        this.budget = budget;
        this.childOpenFiles = childOpenFiles;
    }

    /** A launcher with an output registry of its own, logging under {@code logdir}. */
    public OsProcessLauncher(ChildWatcher watcher, OutputPump pump, Map<String, String> daemonEnv, Path logdir) {
        this(watcher, pump, daemonEnv, new Outputs(logdir));
    }

    public Outputs outputs() {
        return outputs;
    }

    /**
     * Watches an adopted process ({@link AdoptedProcess}). What it leaves behind is not looked
     * after: {@link Descendants} knows sessions that a main process leads, and an adopted one
     * may be anyone's (crash recovery's survivors, which do lead theirs, will register there).
     */
    @Override
    public LaunchedProcess adopt(InstanceSpec instance, int pid, long startTicks, Consumer<ExitOutcome> onExit)
            throws SpawnException {
        return AdoptedProcess.watch(watcher, pid, startTicks, instance.program().killmode(), onExit);
    }

    /**
     * Supervises a survivor of the previous daemon again: its output (the descriptors it brings)
     * goes on into the instance's logs after a marker line at the gap, its session is registered
     * with {@link Descendants} (it leads one, as every spawned process does) so that what it
     * leaves is killed by its kill mode, and its end is watched: as a child when it is one (a
     * re-exec), else through a pidfd (a crash; "code unknown").
     */
    @Override
    public LaunchedProcess resume(InstanceSpec instance, dev.taskmaster.server.recovery.Survivor survivor,
            Consumer<ExitOutcome> onExit) throws SpawnException {
        ProgramSpec p = instance.program();
        int pid = survivor.pid();
        ProcessOutput output;
        try {
            output = outputs.configure(instance);
        } catch (IOException e) {
            survivor.release();
            throw new SpawnException("cannot open the output log: " + e.getMessage());
        }
        ProcessOutput.Run run = output.beginRun(survivor.tty());
        // A re-exec (the survivor is still this process's child) read every byte up to the exec and
        // left the rest in the pipes: nothing to mark, and a marker could split a line in two.
        if (survivor.outputCaptured() && !survivor.ownChild()) {
            String marker = "[taskmasterd: " + survivor.reason() + "; output written while no daemon read it may be lost]";
            for (StdStream stream : StdStream.values()) {
                output.logFile(stream).ifPresent(file -> {
                    try {
                        file.writeMarker(marker);
                    } catch (IOException e) {
                        log.warn("{}: cannot write the recovery marker into {}: {}", instance.name(), stream, e.getMessage());
                    }
                });
            }
        }
        List<Integer> reads = new ArrayList<>();
        List<StdStream> streams = new ArrayList<>();
        if (survivor.stdout() >= 0) {
            reads.add(survivor.stdout());
            streams.add(StdStream.STDOUT);
        }
        if (survivor.stderr() >= 0) {
            reads.add(survivor.stderr());
            streams.add(StdStream.STDERR);
        }
        for (int i = 0; i < reads.size(); i++) {
            ProcessOutput.Run.Sink sink = run.sink(streams.get(i));
            try {
                pump.add(reads.get(i), new OutputPump.Sink() {
                    @Override
                    public boolean write(java.nio.ByteBuffer bytes, Runnable resume) {
                        return sink.write(bytes, resume);
                    }

                    @Override
                    public void close() {
                        sink.close();
                    }
                });
            } catch (NativeException e) {
                Fds.closeQuietly(reads.get(i));
                sink.close();
                log.warn("{}: cannot read the output of pid {} again: {}", instance.name(), pid, e.getMessage());
            }
        }
        run.started(pid, survivor.stdin() >= 0 ? new ProcessInput(survivor.stdin(), survivor.tty()) : null);
        Descendants.Run session = descendants != null && survivor.recorded().leadsSession()
                ? descendants.register(instance.name(), pid, p.killmode()) : null;
        Runnable ended = () -> {
            if (session != null) {
                session.ended();
            }
            run.exited();
        };
        if (survivor.ownChild()) {
            Launched launched = new Launched(pid, p.killmode(), session);
            launched.watcher = watcher;
            try {
                watcher.watch(pid, () -> launched.mode.killsGroup(), status -> {
                    ended.run();
                    onExit.accept(outcome(status));
                });
            } catch (NativeException e) {
                ended.run();
                throw new SpawnException("cannot watch pid " + pid + ": " + e.getMessage());
            }
            return launched;
        }
        AdoptedProcess process;
        try {
            process = AdoptedProcess.watch(watcher, pid, survivor.startTicks(), p.killmode(), outcome -> {
                ended.run();
                onExit.accept(outcome);
            });
        } catch (SpawnException e) {
            ended.run();
            throw e;
        }
        return new ResumedProcess(process, survivor.recorded().adopted(), session);
    }

    @Override
    public int leftovers(String instance) {
        return descendants == null ? 0 : descendants.leftovers(instance);
    }

    /** Log writing that stops or resumes (a full disk) is reported to {@code journal}. */
    @Override
    public void reportLogWritingTo(dev.taskmaster.server.engine.LogWritingJournal journal) {
        outputs.reportLogWritingTo(journal);
    }

    /** The default log file of one stream of an instance: {@code <logdir>/<instance>.stdout.log}. */
    public static Path defaultLog(Path logdir, String instance, String stream) {
        return Outputs.defaultLog(logdir, instance, stream);
    }

    @Override
    public void launchInBackground(List<Request> requests, java.util.function.ObjIntConsumer<Result> done) {
        pool.launchInBackground(requests, r -> Result.of(this, r), done);
    }

    @Override
    public LaunchedProcess launch(InstanceSpec instance, Consumer<ExitOutcome> onExit) throws SpawnException {
        // A program defined by what already runs: that process, if it runs, rather than a second one.
        if (instance.program().adopt().isPresent()) {
            java.util.Optional<dev.taskmaster.server.os.ProcStat> running = RunningProcessFinder.find(instance.program().adopt().get(), instance.name(), false,
                    RunningProcessFinder.uidOf(instance.program().user()));
            if (running.isPresent()) {
                log.info("{}: adopting pid {} ({}: {}) instead of running its cmd", instance.name(), running.get().pid(),
                        instance.program().adopt().get().key(), instance.program().adopt().get().value());
                return AdoptedProcess.watch(watcher, running.get().pid(), running.get().startTicks(), instance.program().killmode(),
                        onExit);
            }
        }
        // First: every step below may need a descriptor, and the daemon's own must stay free.
        DescriptorBudget.Claim claim = budget.claim(instance.program());
        try {
            return prepare(instance, onExit);
        } finally {
            claim.close();
        }
    }

    /** The command line, environment and directory of a launch, as the program's settings say. */
    private LaunchedProcess prepare(InstanceSpec instance, Consumer<ExitOutcome> onExit) throws SpawnException {
        ProgramSpec p = instance.program();
        Map<String, String> env = environment(instance);
        if (p.tty() && !env.containsKey("TERM")) {
            // Whoever attaches later brings a real terminal; this is what nearly all of them understand.
            env.put("TERM", DEFAULT_TERM);
        }
        // The user first: whether its program and directory are usable depends on who it is.
        UserInfo user = p.user().isPresent() ? user(p.user().get()) : null;
        ExecAccess access = user == null ? ExecAccess.DAEMON : ExecAccess.of(user, groups(user));
        Path dir = Executables.directory(p.workingdir(), access);
        Path exe = Executables.resolve(p.argv().getFirst(), env.get("PATH"), dir, access);
        List<String> argv = new ArrayList<>(p.argv());
        argv.set(0, exe.toString());
        Path program = exe;
        List<String> prelude = new ArrayList<>();
        p.umask().ifPresent(mask -> prelude.add(String.format(Locale.ROOT, "umask %03o", mask)));
        // As systemd does: the daemon raised its own soft limit, programs keep the one it was given
        // (1024 is what select() can handle; a program wanting more raises its own).
        childOpenFiles.ifPresent(n -> prelude.add("ulimit -S -n " + n));
        if (!prelude.isEmpty()) {
            // $0 and "$@" carry the real command untouched: no quoting of user text is involved.
            List<String> wrapped = new ArrayList<>(List.of(SH.toString(), "-c",
                    String.join(" && ", prelude) + " && exec \"$0\" \"$@\""));
            wrapped.addAll(argv);
            argv = wrapped;
            program = SH;
        }
        if (user != null) {
            List<String> wrapped = new ArrayList<>(List.of(SETPRIV.toString(), "--reuid=" + user.uid(),
                    "--regid=" + user.gid(), "--init-groups", "--"));
            wrapped.addAll(argv);
            argv = wrapped;
            program = SETPRIV;
            env.put("HOME", p.env().getOrDefault("HOME", user.home().toString()));
            env.put("LOGNAME", p.env().getOrDefault("LOGNAME", user.name()));
            env.put("USER", p.env().getOrDefault("USER", user.name()));
        }
        return spawn(instance, program, argv, env, dir, onExit);
    }

    /** Descriptors of one spawn: what the child gets, what we keep, and what to undo if it fails. */
    private static final class Plumbing {
        final List<Integer> childEnds = new ArrayList<>();
        final List<Integer> readEnds = new ArrayList<>();
        final List<ProcessOutput.Run.Sink> sinks = new ArrayList<>();
        int inputFd = -1;

        /** Closes what was not handed over (a handed-over entry is -1 / null). */
        void closeAll() {
            childEnds.forEach(Fds::closeQuietly);
            readEnds.stream().filter(fd -> fd >= 0).forEach(Fds::closeQuietly);
            sinks.stream().filter(java.util.Objects::nonNull).forEach(ProcessOutput.Run.Sink::close);
            if (inputFd >= 0) {
                Fds.closeQuietly(inputFd);
            }
        }
    }

    private LaunchedProcess spawn(InstanceSpec instance, Path program, List<String> argv, Map<String, String> env,
            Path dir, Consumer<ExitOutcome> onExit) throws SpawnException {
        ProgramSpec p = instance.program();
        ProcessOutput output;
        try {
            // Passed through, the output has no default log file to open.
            output = passThroughStdio ? outputs.of(instance.name()) : outputs.configure(instance);
        } catch (IOException e) {
            throw new SpawnException(budget.shortage(e).orElse("cannot open the output log: " + e.getMessage()));
        }
        ProcessOutput.Run run = output.beginRun(p.tty());
        Plumbing fds = new Plumbing();
        try {
            Stdio in;
            Stdio out;
            Stdio err;
            if (p.tty()) {
                int[] size = output.terminalSize();
                Pty pty = Pty.open(size[0], size[1]);
                fds.readEnds.add(pty.master());
                fds.sinks.add(run.sink(StdStream.STDOUT));
                // Its own descriptor for input and resizes: the pump closes the master at end of file.
                fds.inputFd = Fds.dup(pty.master());
                in = new Stdio.Terminal(pty.slave());
                out = in;
                err = in;
            } else if (passThroughStdio) {
                in = Stdio.inherit();
                out = passedThrough(p.stdout(), Stdio.inherit());
                // Into stdout as 2>&1 does: descriptor 1 (whatever it is) duplicated onto 2.
                err = p.redirectStderr() ? (out instanceof Stdio.Inherit ? Stdio.fd(1) : out)
                        : passedThrough(p.stderr(), Stdio.inherit());
            } else {
                // A pipe, as supervisord gives: input can be sent, and a program reading stdin waits rather than seeing EOF.
                Pipe stdin = Pipe.create();
                fds.childEnds.add(stdin.readFd());
                fds.inputFd = stdin.writeFd();
                in = Stdio.fd(stdin.readFd());
                out = output(p.stdout(), run, StdStream.STDOUT, fds);
                err = p.redirectStderr() ? out : output(p.stderr(), run, StdStream.STDERR, fds);
            }
            if (fds.inputFd >= 0) {
                Fds.setNonBlocking(fds.inputFd, true);
            }
            SpawnRequest request = new SpawnRequest(program, argv, env, Optional.of(dir), in, out, err, true);
            // Until it is watched, a child that ends must not be taken for an orphan and reaped (Descendants).
            java.util.concurrent.locks.Lock spawning = watcher.spawning();
            spawning.lock();
            try {
                return started(instance, PosixSpawn.spawn(request), fds, run, onExit);
            } finally {
                spawning.unlock();
            }
        } catch (NativeException | RuntimeException e) {
            fds.closeAll();
            run.abandon();
            if (e instanceof NativeException n) {
                throw new SpawnException(budget.shortage(n).orElseGet(() -> describe(program, n)));
            }
            // A bug, not a property of the program; whatever was spawned has been killed above.
            log.error("{}: launch failed", instance.name(), e);
            throw new SpawnException("internal error while starting: " + e);
        }
    }

    /** Hands the new child's descriptors over and watches it; kills it when it cannot be watched. */
    private LaunchedProcess started(InstanceSpec instance, int pid, Plumbing fds, ProcessOutput.Run run,
            Consumer<ExitOutcome> onExit) throws NativeException {
        ProgramSpec p = instance.program();
        // The child has its copies; ours must go so the pump sees end of file when the child exits.
        fds.childEnds.forEach(Fds::closeQuietly);
        fds.childEnds.clear();
        ProcessInput input = fds.inputFd >= 0 ? new ProcessInput(fds.inputFd, p.tty()) : null;
        fds.inputFd = -1;
        run.started(pid, input);
        Launched launched = null;
        try {
            for (int i = 0; i < fds.readEnds.size(); i++) {
                ProcessOutput.Run.Sink sink = fds.sinks.get(i);
                int readEnd = fds.readEnds.get(i);
                pump.add(readEnd, new OutputPump.Sink() {
                    @Override
                    public boolean write(java.nio.ByteBuffer bytes, Runnable resume) {
                        return sink.write(bytes, resume);
                    }

                    @Override
                    public void close() {
                        sink.close();
                    }
                });
                // The pump owns it now: a failure below must not close it a second time.
                fds.readEnds.set(i, -1);
                fds.sinks.set(i, null);
            }
            launched = new Launched(pid, p.killmode(),
                    descendants == null ? null : descendants.register(instance.name(), pid, p.killmode()));
            // The kill mode is asked at the exit: a reload or an update may have changed it since.
            Launched watched = launched;
            if (p.adopt().isPresent()) {
                // A cmd that daemonizes leaves its process in its group and session: neither is
                // killed at its exit; what the process it is followed to leaves is, at that one's end.
                Following following = new Following(watcher, instance, watched, onExit, System.nanoTime());
                try {
                    watcher.watch(pid, () -> false, status -> {
                        run.exited();
                        following.cmdExited(outcome(status));
                    });
                } catch (NativeException | RuntimeException e) {
                    following.closeCmdPidfd();
                    throw e;
                }
                return following;
            }
            watched.watcher = watcher;
            watcher.watch(pid, () -> watched.mode.killsGroup(), status -> {
                if (watched.descendants != null) {
                    watched.descendants.ended();
                }
                run.exited();
                onExit.accept(outcome(status));
            });
            return watched;
        } catch (NativeException | RuntimeException e) {
            // Spawned but not supervisable: it must not run on unwatched. Reported as a spawn failure.
            PidFd.killAndReap(pid);
            if (launched != null && launched.descendants != null) {
                launched.descendants.ended();
            }
            run.exited();
            throw e;
        }
    }

    /** A stream of a program whose output passes through: none is /dev/null, the rest the daemon's own descriptor. */
    private static Stdio passedThrough(OutputSpec spec, Stdio own) {
        return spec instanceof OutputSpec.Discard ? Stdio.devNull() : own;
    }

    private static Stdio output(OutputSpec spec, ProcessOutput.Run run, StdStream stream, Plumbing fds)
            throws NativeException {
        return switch (spec) {
            case OutputSpec.Discard d -> Stdio.devNull();
            case OutputSpec.Capture c -> {
                Pipe pipe = Pipe.create();
                fds.readEnds.add(pipe.readFd());
                fds.childEnds.add(pipe.writeFd());
                fds.sinks.add(run.sink(stream));
                yield Stdio.fd(pipe.writeFd());
            }
        };
    }

    private Map<String, String> environment(InstanceSpec instance) {
        Map<String, String> env = new LinkedHashMap<>(daemonEnv);
        // Like supervisord's SUPERVISOR_PROCESS_NAME: lets a program know who supervises it, and as what.
        env.put("TASKMASTER_PROCESS_NAME", instance.name());
        env.put("TASKMASTER_GROUP_NAME", instance.program().group());
        // The file its heartbeat health check looks at: the program touches it while it works.
        instance.program().healthCheck().map(dev.taskmaster.config.HealthCheck::probe)
                .filter(p -> p instanceof dev.taskmaster.config.HealthCheck.Heartbeat)
                .ifPresent(p -> env.put("TASKMASTER_HEARTBEAT_FILE",
                        ((dev.taskmaster.config.HealthCheck.Heartbeat) p).file(instance).toString()));
        env.putAll(instance.program().env());
        return env;
    }

    private UserInfo user(String name) throws SpawnException {
        Optional<UserInfo> user;
        try {
            user = Users.lookup(name);
        } catch (NativeException e) {
            throw new SpawnException(budget.shortage(e).orElse("cannot look up user \"" + name + "\": " + e.getMessage()));
        }
        if (user.isEmpty()) {
            throw new SpawnException("unknown user \"" + name + "\"");
        }
        // Asked at each launch: the daemon may have dropped its privileges since it started.
        if (dev.taskmaster.server.os.Posix.geteuid() != 0) {
            if (user.get().uid() == dev.taskmaster.server.os.Posix.geteuid()) {
                return null; // already that user: nothing to switch
            }
            throw new SpawnException("cannot run as user \"" + name + "\": the daemon is not running as root");
        }
        return user.get();
    }

    /** The groups setpriv --init-groups will give the user. */
    private static java.util.Set<Integer> groups(UserInfo user) throws SpawnException {
        try {
            return java.util.Set.copyOf(Users.supplementaryGroups(user));
        } catch (NativeException e) {
            throw new SpawnException("cannot look up the groups of user \"" + user.name() + "\": " + e.getMessage());
        }
    }

    private static String describe(Path program, NativeException e) {
        return program + ": " + Errno.describe(e.errno()).toLowerCase(Locale.ROOT) + " (" + e.errnoName() + ")";
    }

    static ExitOutcome outcome(WaitStatus status) {
        return switch (status) {
            case WaitStatus.Exited x -> new ExitOutcome.Exited(x.code());
            case WaitStatus.Killed k -> new ExitOutcome.Killed(Signal.ofNumber(k.signal())
                    .orElse(new Signal(k.signal(), String.valueOf(k.signal()))), k.coreDumped());
        };
    }

    /**
     * The process of a program with {@code adopt:} whose cmd was run: the cmd itself, and, if it
     * daemonizes (exits 0 within starttime), the process its pidfile or match then finds, like
     * immortal's {@code -f}. The engine sees one process whose pid changes; its end is the end
     * of the last one followed. The search runs on a virtual thread, never the watcher's.
     * Threading: {@link #signal} on the engine thread; the rest on watcher and search threads,
     * hence the lock (this) over the target, the cmd's pidfd and a pending signal.
     */
    private static final class Following implements LaunchedProcess {
        private final ChildWatcher watcher;
        private final InstanceSpec instance;
        private final Launched cmd;
        private final Consumer<ExitOutcome> onExit;
        private final long spawnedAt;
        /** Guarded by this: the process followed once found; the cmd until then. */
        private LaunchedProcess target;
        /**
         * Guarded by this: a pidfd of the cmd, through which it is signalled, never by its pid: the
         * watcher may have reaped it (and the pid gone to anyone) before {@link #cmdExited} runs.
         * -1 once the cmd has exited.
         */
        private int cmdPidfd;
        /**
         * Guarded by this: the latest signal asked for while nothing could receive it (the cmd has
         * exited, the process it left is not found yet); delivered to that process once found, so
         * that a stop, or the SIGKILL at stoptime, during the search is not lost.
         */
        private Signal pending;
        private boolean pendingToGroup;

        Following(ChildWatcher watcher, InstanceSpec instance, Launched cmd, Consumer<ExitOutcome> onExit, long spawnedAt)
                throws NativeException {
            this.watcher = watcher;
            this.instance = instance;
            this.cmd = cmd;
            this.onExit = onExit;
            this.spawnedAt = spawnedAt;
            this.target = cmd;
            // Our unreaped child (the watcher is not watching it yet): the pidfd is surely its.
            this.cmdPidfd = PidFd.open(cmd.pid);
        }

        synchronized void closeCmdPidfd() {
            if (cmdPidfd >= 0) {
                Fds.closeQuietly(cmdPidfd);
                cmdPidfd = -1;
            }
        }

        void cmdExited(ExitOutcome outcome) {
            closeCmdPidfd();
            boolean daemonized = outcome instanceof ExitOutcome.Exited e && e.code() == 0
                    && System.nanoTime() - spawnedAt < instance.program().starttime().toNanos();
            if (!daemonized) {
                end(outcome);
                return;
            }
            Thread.ofVirtual().name("follow-" + instance.name()).start(() -> {
                try {
                    dev.taskmaster.server.os.ProcStat found = RunningProcessFinder.find(instance.program().adopt().orElseThrow(),
                            instance.name(), true, RunningProcessFinder.uidOf(instance.program().user())).orElseThrow();
                    log.info("{}: cmd exited 0 (daemonized); following pid {}", instance.name(), found.pid());
                    LaunchedProcess process = AdoptedProcess.watch(watcher, found.pid(), found.startTicks(), cmd.mode, this::end);
                    synchronized (this) {
                        target = process;
                        if (pending != null) {
                            log.info("{}: sending {} asked for while looking for pid {}", instance.name(),
                                    pending.displayName(), found.pid());
                            process.signal(pending, pendingToGroup);
                            pending = null;
                        }
                    }
                } catch (SpawnException e) {
                    end(new ExitOutcome.SpawnFailed(e.getMessage()));
                } catch (RuntimeException e) {
                    log.error("{}: cannot follow what its cmd started", instance.name(), e);
                    end(new ExitOutcome.SpawnFailed("cannot follow what cmd started: " + e));
                }
            });
        }

        private void end(ExitOutcome outcome) {
            if (cmd.descendants != null) {
                cmd.descendants.ended();
            }
            onExit.accept(outcome);
        }

        @Override
        public synchronized int pid() {
            return target.pid();
        }

        @Override
        public synchronized boolean adopted() {
            return target != cmd;
        }

        @Override
        public synchronized void signal(Signal signal, boolean toGroup) {
            if (target != cmd) {
                target.signal(signal, toGroup);
                return;
            }
            if (cmdPidfd >= 0) {
                try {
                    // Signal 0 first: ESRCH once the watcher has reaped the cmd, when its pid (and
                    // group id) may be anyone's. A zombie still holds both.
                    PidFd.sendSignal(cmdPidfd, 0);
                    if (toGroup) {
                        Signals.killProcessGroup(cmd.pid, signal.number());
                    } else {
                        PidFd.sendSignal(cmdPidfd, signal.number());
                    }
                    return;
                } catch (NativeException e) {
                    if (e.errno() != Errno.ESRCH) {
                        log.warn("cannot send {} to {}: {}", signal.displayName(), instance.name(), e.getMessage());
                        return;
                    }
                }
            }
            log.info("{}: {} kept for the process its cmd left, not found yet", instance.name(), signal.displayName());
            pending = signal;
            pendingToGroup = toGroup;
        }

        @Override
        public synchronized void killModeChanged(KillMode mode) {
            cmd.killModeChanged(mode);
            if (target != cmd) {
                target.killModeChanged(mode);
            }
        }
    }

    /** A spawned child. Its pid cannot be reused before the watcher reaps it, and the engine stops using it then. */
    private static final class Launched implements LaunchedProcess {
        private final int pid;
        /** Tells stops and continues; set once watched (null in the constructor's callers that watch later). */
        private volatile ChildWatcher watcher;
        /** Read by the watcher thread at the exit, written by the engine thread. */
        private volatile KillMode mode;
        /** Its session, as {@link Descendants} knows it; null when none looks after descendants. */
        private final Descendants.Run descendants;

        Launched(int pid, KillMode mode, Descendants.Run descendants) {
            this.pid = pid;
            this.mode = mode;
            this.descendants = descendants;
        }

        @Override
        public int pid() {
            return pid;
        }

        @Override
        public void onStopOrContinue(Consumer<dev.taskmaster.server.engine.outside.OutsideChange> listener) {
            if (watcher != null) {
                watcher.onStopOrContinue(pid, c -> listener.accept(c.stopped()
                        ? dev.taskmaster.server.engine.outside.OutsideChange.stoppedBy(c.signal())
                        : dev.taskmaster.server.engine.outside.OutsideChange.continued()));
            }
        }

        @Override
        public Optional<Boolean> stoppedNow() {
            // The zombie keeps the pid until the watcher reaps it: this cannot read a stranger's state
            // while the engine still owns the process.
            return dev.taskmaster.server.os.JobControl.stoppedOrStopping(pid);
        }

        @Override
        public void killModeChanged(KillMode newMode) {
            mode = newMode;
            if (descendants != null) {
                descendants.modeChanged(newMode);
            }
        }

        @Override
        public void signal(Signal signal, boolean toGroup) {
            try {
                if (toGroup) {
                    // The child leads its own session and group (setsid), so its pid is the group id.
                    Signals.killProcessGroup(pid, signal.number());
                } else {
                    Signals.kill(pid, signal.number());
                }
            } catch (NativeException e) {
                if (e.errno() != Errno.ESRCH) {
                    log.warn("cannot send {} to {}{}: {}", signal.displayName(), toGroup ? "process group " : "pid ", pid,
                            e.getMessage());
                }
            }
        }
    }
}
