package dev.taskmaster.server.daemon;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigError;
import dev.taskmaster.config.ConfigException;
import dev.taskmaster.server.transport.tls.TlsCommand;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The command line of {@code taskmasterd}. Exit codes: 0 success, 1 invalid configuration
 * (and nothing else: nothing was started), 2 bad usage, 3 the daemon could not start (socket or
 * port in use, bad TLS files, unwritable log, too few descriptors, the API failing…) or, rarely,
 * had to stop on an internal error; in both cases no program it started is left running. The
 * subcommand {@code tls} makes certificates ({@link TlsCommand}); {@code import-supervisord}
 * writes a supervisord configuration as YAML ({@link ImportSupervisordCommand}).
 */
@Command(name = "taskmasterd", mixinStandardHelpOptions = true, versionProvider = DaemonCommand.VersionProvider.class,
        description = "Taskmaster daemon: runs the programs of a YAML configuration and keeps them alive.",
        sortOptions = false, subcommands = {TlsCommand.class, ImportSupervisordCommand.class})
public final class DaemonCommand implements Callable<Integer> {

    static final int EXIT_CONFIG = 1;
    static final int EXIT_CANNOT_START = 3;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Configuration file. Default: the first of ./taskmaster.yaml,"
                    + " $XDG_CONFIG_HOME/taskmaster/taskmaster.yaml (~/.config/…), /etc/taskmaster/taskmaster.yaml.")
    Path config;

    @Option(names = "--check-config", paramLabel = "FILE",
            description = "Validate FILE, print \"ok\" or every error, and exit without starting anything.")
    Path checkConfig;

    @Option(names = {"-i", "--instance"}, paramLabel = "NAME",
            description = "Instance name (overrides server.instance); selects the socket, pidfile and logs.")
    String instance;

    @Option(names = "--socket", paramLabel = "PATH", description = "Unix socket to serve the API on (overrides server.socket).")
    Path socket;

    @Option(names = "--no-stderr-log", description = "Log to the log file only, not also to standard error.")
    boolean noStderrLog;

    @Option(names = "--allow-root", description = "Run as root even though the configuration names no server.user to drop to.")
    boolean allowRoot;

    @Option(names = "--shell", description = "Run in the foreground with the control shell in this terminal;"
            + " leaving the shell (shutdown, exit, Ctrl-D) stops the daemon.")
    boolean shell;

    @Option(names = "--fresh", description = "Kill what a crashed previous daemon of this instance left running (every"
            + " process of its state file and what remains of their sessions) instead of supervising it again,"
            + " then start as usual.")
    boolean fresh;

    /** For the build's AOT training run: start everything, start the programs, then shut down at once. */
    @Option(names = "--exit-after-start", hidden = true)
    boolean exitAfterStart;

    /** Set by a re-exec only: the descriptor of the memfd with what the program before handed over. */
    @Option(names = "--reexec-handover", hidden = true, paramLabel = "FD")
    int reexecHandover = -1;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** Makes the control shell of --shell; null when this build has none. */
    private final ControlConsole.Factory consoles;

    private DaemonCommand(ControlConsole.Factory consoles) {
        this.consoles = consoles;
    }

    /** The command line, with {@code consoles} making the control shell of --shell (null: none). */
    public static CommandLine commandLine(ControlConsole.Factory consoles) {
        return new CommandLine(new DaemonCommand(consoles))
                .addSubcommand(new dev.taskmaster.server.security.TokenCommand())
                // taskmasterd run [OPTIONS] -- CMD ARGS…: one command in the foreground (issue 14).
                .addSubcommand(dev.taskmaster.server.run.RunCommand.commandLine());
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (checkConfig != null) {
            return check(checkConfig, out, err);
        }
        if (shell && consoles == null) {
            err.println("taskmasterd: --shell is not available in this build");
            return CommandLine.ExitCode.USAGE;
        }
        if (shell && !consoles.terminalAvailable()) {
            err.println("taskmasterd: --shell needs a terminal on standard input and output");
            return CommandLine.ExitCode.USAGE;
        }
        Optional<Path> file = Optional.ofNullable(config).or(() -> defaultConfig(System.getenv()));
        if (file.isEmpty()) {
            err.println("taskmasterd: no configuration file found (looked for " + String.join(", ",
                    candidates(System.getenv()).stream().map(Path::toString).toList()) + "); pass one with -c FILE");
            return CommandLine.ExitCode.USAGE;
        }
        Config loaded;
        try {
            loaded = new ConfigReader().loadNow(file.get());
        } catch (ConfigException e) {
            printErrors(e, err);
            RejectedConfigLog.write(file.get(), e, instance);
            return EXIT_CONFIG;
        }
        try {
            return Daemon.run(loaded, new Daemon.Options(instance, socket, !noStderrLog, allowRoot, exitAfterStart,
                    shell ? consoles : null, fresh, reexecHandover), err);
        } catch (RuntimeException | Error e) {
            // A bug. Left to picocli it would end with 1, which says the configuration is invalid.
            LoggerFactory.getLogger(DaemonCommand.class).error("taskmasterd failed", e);
            err.println("taskmasterd: cannot start: internal error: " + e);
            err.flush();
            return EXIT_CANNOT_START;
        }
    }

    private static int check(Path file, PrintWriter out, PrintWriter err) {
        try {
            // Within the deadline of a reload: a file that blocks makes an error, not a hang.
            new ConfigReader().loadNow(file);
            out.println("ok");
            return 0;
        } catch (ConfigException e) {
            printErrors(e, err);
            return EXIT_CONFIG;
        }
    }

    private static void printErrors(ConfigException e, PrintWriter err) {
        for (ConfigError error : e.errors()) {
            err.println(error);
        }
        int n = e.errors().size();
        err.println("taskmasterd: " + n + (n == 1 ? " error" : " errors") + " in the configuration; nothing was started");
        err.flush();
    }

    static List<Path> candidates(Map<String, String> env) {
        List<Path> paths = new ArrayList<>();
        paths.add(Path.of("taskmaster.yaml").toAbsolutePath());
        String xdg = env.get("XDG_CONFIG_HOME");
        String home = env.get("HOME");
        if (xdg != null && !xdg.isBlank()) {
            paths.add(Path.of(xdg, "taskmaster", "taskmaster.yaml"));
        } else if (home != null && !home.isBlank()) {
            paths.add(Path.of(home, ".config", "taskmaster", "taskmaster.yaml"));
        }
        paths.add(Path.of("/etc/taskmaster/taskmaster.yaml"));
        return paths;
    }

    private static Optional<Path> defaultConfig(Map<String, String> env) {
        return candidates(env).stream().filter(Files::isRegularFile).findFirst();
    }

    /** Reports the build's version for {@code --version}. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"taskmasterd " + Version.current()};
        }
    }
}
