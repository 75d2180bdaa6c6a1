package dev.taskmaster.cli;

import dev.taskmaster.client.DaemonChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code taskmasterctl}: the root of the command tree. It holds the global options and the
 * {@link Session}; each verb is its own class. The tree is built by {@link #commandLine} so the
 * same commands run inside the interactive {@link Shell}, one line after another, on one
 * connection.
 */
@Command(name = "taskmasterctl", mixinStandardHelpOptions = true, versionProvider = TaskmasterCtl.VersionProvider.class,
        description = "Control a running taskmasterd.",
        synopsisSubcommandLabel = "VERB",
        footer = {"", "Targets: NAME, GROUP:NAME, GROUP:*, all. Exit codes and examples: docs/cli.md."},
        subcommands = {
            StatusCommand.class, StartCommand.class, StopCommand.class, RestartCommand.class, SignalCommand.class,
            PauseCommand.class, ResumeCommand.class, ReloadCommand.class, AddCommand.class, UpdateCommand.class,
            RemoveCommand.class, TailCommand.class, LogsCommand.class, MaintailCommand.class, AttachCommand.class,
            EventsCommand.class, PidCommand.class, InfoCommand.class, ShutdownCommand.class,
            VersionCommand.class, ShellCommand.class, CommandLine.HelpCommand.class, AutoComplete.GenerateCompletion.class})
public final class TaskmasterCtl implements Callable<Integer> {

    // INHERIT: accepted before or after the verb ("taskmasterctl --instance x status" and
    // "taskmasterctl status --instance x"), and on every line of the shell.
    @Option(names = {"-i", "--instance"}, paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "Daemon instance to talk to (default: default).")
    String instance;

    @Option(names = "--socket", paramLabel = "PATH", scope = ScopeType.INHERIT,
            description = "Unix socket of the daemon; overrides --instance.")
    Path socket;

    @Option(names = "--timeout", paramLabel = "DURATION", scope = ScopeType.INHERIT, defaultValue = "30s",
            converter = DurationConverter.class,
            description = "Deadline of each call to the daemon, e.g. 5s, 2m (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Spec
    CommandSpec spec;

    private final Session session;

    TaskmasterCtl(Session session) {
        this.session = session;
    }

    public static void main(String[] args) {
        System.exit(run(Session.system(), args));
    }

    /** Runs one command line and releases the session (connection, event loop) before returning its exit code. */
    static int run(Session session, String... args) {
        try (session) {
            return commandLine(session).execute(args);
        }
    }

    /** The whole command tree, wired to {@code session}: the seam tests use with an in-process daemon. */
    static CommandLine commandLine(Session session) {
        CommandLine cl = new CommandLine(new TaskmasterCtl(session));
        cl.setOut(session.out());
        cl.setErr(session.err());
        cl.setColorScheme(Help.defaultColorScheme(session.colour() ? Help.Ansi.AUTO : Help.Ansi.OFF));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(new ExitCodes.Reporter(session));
        cl.setParameterExceptionHandler(new ExitCodes.UsageReporter());
        return cl;
    }

    /** No verb: the interactive shell at a terminal, else the usage (exit 2). */
    @Override
    public Integer call() {
        return Shell.start(this, false);
    }

    Session session() {
        return session;
    }

    /** The connection to the daemon these options point at. */
    DaemonChannel daemon() {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new CtlException(ExitCodes.USAGE, "--timeout must be positive, got " + timeout);
        }
        Session.Endpoint where;
        try {
            where = session.endpoint(socket, instance);
        } catch (IllegalArgumentException badInstance) {
            throw new CtlException(ExitCodes.USAGE, badInstance.getMessage());
        }
        return session.connect(where);
    }

    Duration timeout() {
        return timeout;
    }

    /** The version from the jar's manifest ({@code dev} when run from classes). */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"taskmasterctl " + version()};
        }

        static String version() {
            String v = TaskmasterCtl.class.getPackage().getImplementationVersion();
            return v != null ? v : "dev";
        }
    }
}
