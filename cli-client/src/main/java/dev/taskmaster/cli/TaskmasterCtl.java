package dev.taskmaster.cli;

import dev.taskmaster.client.ClientSecurity;
import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.TargetResolver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
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
        footer = {"", "Targets: NAME, GROUP:NAME, GROUP:*, all. Exit codes and examples: docs/cli.md; remote daemons: docs/remote.md."})
public final class TaskmasterCtl implements Callable<Integer> {

    /**
     * Every verb, in the order help lists them. Built by name: a one-shot command builds only its
     * own verb, as picocli reads every verb's annotations when it is added, which costs start-up
     * time a short command notices (see {@link #commandLine(Session, String...)}).
     */
    static final List<String> VERBS = List.of("status", "start", "stop", "restart", "signal", "pause", "resume", "reload",
            "add", "update", "remove", "avail", "adopt", "tail", "logs", "maintail", "clear", "attach", "events", "pid", "info",
            "shutdown", "daemon", "notify", "context", "version", "shell", "help", "completion", "generate-completion", "reread");

    /** A new instance of a verb's command: its class from {@link #verbType}, the one table of verbs. */
    static Object newVerb(String name) {
        try {
            return verbType(name).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build the verb " + name, e);
        }
    }

    /** The class of a verb, not initialized (for {@link #outline} and {@link #newVerb}). */
    static Class<?> verbType(String name) {
        // A switch, not a static map of constructor references: with lambdas held in a static
        // field, the JDK 25.0.3 AOT cache writer crashed (archiveHeapWriter.cpp:757) at build time.
        return switch (name) {
            case "status" -> StatusCommand.class;
            case "start" -> StartCommand.class;
            case "stop" -> StopCommand.class;
            case "restart" -> RestartCommand.class;
            case "signal" -> SignalCommand.class;
            case "pause" -> PauseCommand.class;
            case "resume" -> ResumeCommand.class;
            case "reload" -> ReloadCommand.class;
            case "add" -> AddCommand.class;
            case "update" -> UpdateCommand.class;
            case "remove" -> RemoveCommand.class;
            case "avail" -> AvailCommand.class;
            case "clear" -> ClearCommand.class;
            case "reread" -> RereadCommand.class;
            case "completion" -> CompletionCommand.class;
            case "adopt" -> AdoptCommand.class;
            case "tail" -> TailCommand.class;
            case "logs" -> LogsCommand.class;
            case "maintail" -> MaintailCommand.class;
            case "attach" -> AttachCommand.class;
            case "events" -> EventsCommand.class;
            case "pid" -> PidCommand.class;
            case "info" -> InfoCommand.class;
            case "shutdown" -> ShutdownCommand.class;
            case "daemon" -> DaemonVerbCommand.class;
            case "notify" -> NotifyCommand.class;
            case "context" -> ContextCommand.class;
            case "version" -> VersionCommand.class;
            case "shell" -> ShellCommand.class;
            case "help" -> CommandLine.HelpCommand.class;
            case "generate-completion" -> CompletionCommand.Legacy.class;
            default -> throw new IllegalArgumentException("no verb " + name);
        };
    }

    /** Global options that take a value, so that the word after them is not the verb. */
    private static final Set<String> GLOBAL_VALUED = Set.of("-i", "--instance", "--socket", "--timeout", "--server", "--context",
            "--ca", "--cert", "--key", "--token-file");

    // INHERIT: accepted before or after the verb ("taskmasterctl --instance x status" and
    // "taskmasterctl status --instance x"), and on every line of the shell.
    @Option(names = {"-i", "--instance"}, paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "Daemon instance to talk to (default: default).")
    String instance;

    @Option(names = "--socket", paramLabel = "PATH", scope = ScopeType.INHERIT,
            description = "Unix socket of the daemon; overrides --instance.")
    Path socket;

    @Option(names = "--server", paramLabel = "ADDRESS", scope = ScopeType.INHERIT,
            description = "The daemon: HOST:PORT or [IPV6]:PORT (TLS), unix:///PATH or a socket path. Overrides contexts.")
    String server;

    @Option(names = "--context", paramLabel = "CONTEXT", scope = ScopeType.INHERIT,
            description = {"A context kept by 'taskmasterctl context add' (default: TASKMASTER_CONTEXT, else the current one).",
                    "Repeatable for status and info: every context named, one HOST column."})
    List<String> contexts;

    @Option(names = "--all-contexts", scope = ScopeType.INHERIT,
            description = "status and info: every context of the contexts file, called at once, one HOST column.")
    boolean allContexts;

    @Option(names = "--ca", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "TLS: trust only the CA certificates of this PEM file (default: the JDK's trust store).")
    Path ca;

    @Option(names = "--cert", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "TLS: client certificate (PEM) for mutual TLS; needs --key.")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "TLS: the client certificate's private key (PEM, PKCS#8), readable by you only.")
    Path key;

    @Option(names = "--token-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Send the bearer token in FILE (readable by you only) with every call.")
    Path tokenFile;

    @Option(names = "--plaintext", scope = ScopeType.INHERIT,
            description = "TCP without TLS, to a loopback address only.")
    boolean plaintext;

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
            if (args.length > 0 && args[0].equals(Complete.VERB)) {
                // Before picocli: the words to complete are data, not options of this command line.
                return Complete.run(session, List.of(args).subList(1, args.length));
            }
            return commandLine(session, args).execute(args);
        }
    }

    /** The whole command tree, for what describes it (the man page); it talks to no daemon. */
    public static CommandLine commandTree() {
        return commandLine(Session.system());
    }

    /** The whole command tree, wired to {@code session}: the seam tests use with an in-process daemon. */
    static CommandLine commandLine(Session session) {
        return commandLine(session, Set.copyOf(VERBS), false);
    }

    /**
     * A verb as the root's usage message shows it (name, first line of its description,
     * hidden or not), from its {@code @Command} alone. Picocli builds a full verb by reading
     * the annotations of every field and method of its class and its mixins; for the 30 verbs
     * that was most of what {@code taskmasterctl --help} cost. An outline cannot run.
     */
    static CommandLine outline(Class<?> verb) {
        Command c = verb.getAnnotation(Command.class);
        CommandSpec spec = CommandSpec.create().name(c.name()).aliases(c.aliases());
        spec.usageMessage().header(c.header()).description(c.description()).hidden(c.hidden());
        return new CommandLine(spec);
    }

    /**
     * The tree for one command line: only its verb when it names one (the others would never
     * run), else the whole tree (no verb: the shell; a mistyped verb: "did you mean"; help).
     */
    static CommandLine commandLine(Session session, String... args) {
        String verb = verbOf(args);
        if (verb == null && printsOnly(args)) {
            // --help lists every verb by name and first line; --version needs none of them.
            return commandLine(session, Set.of(), true);
        }
        return commandLine(session, verb != null && VERBS.contains(verb) && !verb.equals("help") && !verb.equals("shell")
                ? Set.of(verb) : Set.copyOf(VERBS), false);
    }

    /** Options of the root that print and exit, whatever else the line says. */
    private static final Set<String> PRINT_ONLY = Set.of("-h", "--help", "-V", "--version");

    /** True if the words before any verb hold {@code --help} or {@code --version} (or -h, -V). */
    static boolean printsOnly(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--") || !a.startsWith("-")) {
                return false;
            }
            if (PRINT_ONLY.contains(a)) {
                return true;
            }
            if (GLOBAL_VALUED.contains(a)) {
                i++; // its value
            }
        }
        return false;
    }

    /** The first word that is not a global option or its value; null if there is none. */
    static String verbOf(String... args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                return null;
            }
            if (a.startsWith("-")) {
                if (GLOBAL_VALUED.contains(a)) {
                    i++; // its value
                }
                continue;
            }
            return a;
        }
        return null;
    }

    /**
     * @param outlines whether the verbs not in {@code verbs} are added as outlines (see
     *                 {@link #outline}), for a usage message that lists them all
     */
    private static CommandLine commandLine(Session session, Set<String> verbs, boolean outlines) {
        CommandLine cl = new CommandLine(new TaskmasterCtl(session));
        for (String name : VERBS) {
            if (verbs.contains(name)) {
                cl.addSubcommand(name, newVerb(name));
            } else if (outlines) {
                cl.addSubcommand(name, outline(verbType(name)));
            }
        }
        cl.setOut(session.out());
        cl.setErr(session.err());
        cl.setColorScheme(Help.defaultColorScheme(session.colour() ? Help.Ansi.AUTO : Help.Ansi.OFF));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(new ExitCodes.Reporter(session));
        cl.setParameterExceptionHandler(new ExitCodes.UsageReporter(session));
        cl.setExecutionStrategy(new Fleet.Check());
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
        checkTimeout();
        return session.connect(session.endpoint(targetFlags()));
    }

    /**
     * The target options as typed (for {@link dev.taskmaster.client.TargetResolver}): one daemon.
     * {@link FleetCheck} has refused several contexts for every verb but those that fan out.
     */
    TargetResolver.Flags targetFlags() {
        return new TargetResolver.Flags(server, socket, instance, contexts == null || contexts.isEmpty() ? null : contexts.getFirst(),
                security());
    }

    /** The TLS and token options as typed. */
    ClientSecurity security() {
        return new ClientSecurity(ca, cert, key, tokenFile, plaintext);
    }

    /** True if the command line names several daemons ({@code --all-contexts}, {@code --context} twice or more). */
    boolean fanOut() {
        return allContexts || (contexts != null && contexts.size() > 1);
    }

    /** Whether an address option ({@code --server}, {@code --socket}, {@code --instance}) was given. */
    String addressOption() {
        return server != null ? "--server" : socket != null ? "--socket" : instance != null ? "--instance" : null;
    }

    Duration timeout() {
        return timeout;
    }

    void checkTimeout() {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new CtlException(ExitCodes.USAGE, "--timeout must be positive, got " + timeout);
        }
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
