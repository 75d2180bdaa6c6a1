package dev.taskmaster.server.spawn;

import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.OutputSpec;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.config.Signal;
import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ProcessLauncher;
import dev.taskmaster.server.os.Errno;
import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.Pipe;
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
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts real processes with posix_spawn: a new session (so the process group can be signalled
 * as one), a clean signal state, no inherited descriptors, stdout/stderr into pipes the
 * {@link OutputPump} drains into log files, and exits reported by the {@link ChildWatcher}.
 * posix_spawn cannot set a umask or switch users, so those go through {@code sh -c 'umask …'}
 * and {@code setpriv}, added to the command line only when configured. Called on the engine
 * thread only.
 */
public final class OsProcessLauncher implements ProcessLauncher {

    private static final Logger log = LoggerFactory.getLogger(OsProcessLauncher.class);
    private static final Path SH = Path.of("/bin/sh");
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    private final ChildWatcher watcher;
    private final OutputPump pump;
    private final Map<String, String> daemonEnv;
    private final Path logdir;

    public OsProcessLauncher(ChildWatcher watcher, OutputPump pump, Map<String, String> daemonEnv, Path logdir) {
        this.watcher = watcher;
        this.pump = pump;
        this.daemonEnv = Map.copyOf(daemonEnv);
        this.logdir = logdir;
    }

    /** The default log file of one stream of an instance: {@code <logdir>/<instance>.stdout.log}. */
    public static Path defaultLog(Path logdir, String instance, String stream) {
        return logdir.resolve(instance + "." + stream + ".log");
    }

    @Override
    public LaunchedProcess launch(InstanceSpec instance, Consumer<ExitOutcome> onExit) throws SpawnException {
        ProgramSpec p = instance.program();
        if (p.tty()) {
            log.warn("{}: tty: true is not supported yet; it runs on pipes, with stderr merged into stdout", instance.name());
        }
        Map<String, String> env = environment(instance);
        Path dir = Executables.directory(p.workingdir());
        Path exe = Executables.resolve(p.argv().getFirst(), env.get("PATH"), dir);
        List<String> argv = new ArrayList<>(p.argv());
        argv.set(0, exe.toString());
        Path program = exe;
        if (p.umask().isPresent()) {
            // $0 and "$@" carry the real command untouched: no quoting of user text is involved.
            List<String> wrapped = new ArrayList<>(List.of(SH.toString(), "-c",
                    String.format(Locale.ROOT, "umask %03o && exec \"$0\" \"$@\"", p.umask().get())));
            wrapped.addAll(argv);
            argv = wrapped;
            program = SH;
        }
        if (p.user().isPresent()) {
            UserInfo user = user(p.user().get());
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
        }
        return spawn(instance, program, argv, env, dir, onExit);
    }

    private LaunchedProcess spawn(InstanceSpec instance, Path program, List<String> argv, Map<String, String> env,
            Path dir, Consumer<ExitOutcome> onExit) throws SpawnException {
        ProgramSpec p = instance.program();
        List<Integer> parentEnds = new ArrayList<>();
        List<Integer> readEnds = new ArrayList<>();
        List<OutputPump.Sink> sinks = new ArrayList<>();
        try {
            Stdio out = output(p.stdout(), instance.name(), "stdout", parentEnds, readEnds, sinks);
            Stdio err = p.redirectStderr() || p.tty() ? out
                    : output(p.stderr(), instance.name(), "stderr", parentEnds, readEnds, sinks);
            SpawnRequest request = new SpawnRequest(program, argv, env, Optional.of(dir), Stdio.devNull(), out, err, true);
            int pid = PosixSpawn.spawn(request);
            // The child has its copies; ours must go so the pump sees end of file when the child exits.
            parentEnds.forEach(Fds::closeQuietly);
            for (int i = 0; i < readEnds.size(); i++) {
                pump.add(readEnds.get(i), sinks.get(i));
            }
            watcher.watch(pid, p.killasgroup(), status -> onExit.accept(outcome(status)));
            return new Launched(pid);
        } catch (NativeException e) {
            parentEnds.forEach(Fds::closeQuietly);
            readEnds.forEach(Fds::closeQuietly);
            sinks.forEach(OutputPump.Sink::close);
            throw new SpawnException(describe(program, e));
        } catch (IOException e) {
            parentEnds.forEach(Fds::closeQuietly);
            readEnds.forEach(Fds::closeQuietly);
            sinks.forEach(OutputPump.Sink::close);
            throw new SpawnException("cannot open the output log: " + e.getMessage());
        }
    }

    private Stdio output(OutputSpec spec, String instance, String stream, List<Integer> parentEnds,
            List<Integer> readEnds, List<OutputPump.Sink> sinks) throws NativeException, IOException {
        return switch (spec) {
            case OutputSpec.Discard d -> Stdio.devNull();
            case OutputSpec.Capture c -> {
                Path file = c.file().orElse(defaultLog(logdir, instance, stream));
                sinks.add(new FileSink(file));
                Pipe pipe = Pipe.create();
                readEnds.add(pipe.readFd());
                parentEnds.add(pipe.writeFd());
                yield Stdio.fd(pipe.writeFd());
            }
        };
    }

    private Map<String, String> environment(InstanceSpec instance) {
        Map<String, String> env = new LinkedHashMap<>(daemonEnv);
        // Like supervisord's SUPERVISOR_PROCESS_NAME: lets a program know who supervises it, and as what.
        env.put("TASKMASTER_PROCESS_NAME", instance.name());
        env.put("TASKMASTER_GROUP_NAME", instance.program().group());
        env.putAll(instance.program().env());
        return env;
    }

    private UserInfo user(String name) throws SpawnException {
        Optional<UserInfo> user;
        try {
            user = Users.lookup(name);
        } catch (NativeException e) {
            throw new SpawnException("cannot look up user \"" + name + "\": " + e.getMessage());
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

    /** A spawned child. Its pid cannot be reused before the watcher reaps it, and the engine stops using it then. */
    private record Launched(int pid) implements LaunchedProcess {
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
