package dev.taskmaster.client;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Chooses the daemon a client talks to, the same way in taskmasterctl, its shell and
 * taskmaster-tui. Precedence, first that applies:
 * <ol>
 *   <li>address flags ({@code --server}, {@code --socket}, {@code --instance}) without {@code --context}: that address;</li>
 *   <li>{@code --context NAME}: that context, any address or security flag overriding its setting;</li>
 *   <li>{@code TASKMASTER_CONTEXT}: likewise;</li>
 *   <li>the current context of the contexts file: likewise;</li>
 *   <li>the local default instance's socket ({@link SocketPaths}).</li>
 * </ol>
 * A context's credentials are never sent to an address given by flags unless that context was
 * named with {@code --context}: a token meant for one host must not go to another by accident.
 *
 * <p>The contexts file is read at most once, and only when it decides something, so a client
 * given an address (or without a contexts file) reads no YAML. Not thread-safe: one per command.
 */
public final class TargetResolver {

    /** What the user typed; any of it may be null (or NONE for {@code security}). */
    public record Flags(String server, Path socket, String instance, String context, ClientSecurity security) {
        public Flags {
            security = security == null ? ClientSecurity.NONE : security;
        }

        /** Only a local instance or socket, as before contexts existed. */
        public static Flags local(Path socket, String instance) {
            return new Flags(null, socket, instance, null, ClientSecurity.NONE);
        }

        boolean addressGiven() {
            return server != null || socket != null || instance != null;
        }
    }

    /**
     * A chosen target, and for a local socket how it was named (for hints on starting a daemon there).
     *
     * @param instance       the instance whose socket was derived, or null
     * @param explicitSocket whether the socket path was given (flag, server or context) rather than derived
     */
    public record Resolved(DaemonTarget target, String instance, boolean explicitSocket) {}

    public static final String CONTEXT_VARIABLE = "TASKMASTER_CONTEXT";

    private final Map<String, String> env;
    private final int uid;
    private final Path contextsFile;
    private Contexts contexts;

    public TargetResolver(Map<String, String> env, int uid) {
        this.env = Map.copyOf(env);
        this.uid = uid;
        this.contextsFile = contextsFile(env);
    }

    /**
     * Where contexts are kept: {@code $XDG_CONFIG_HOME/taskmaster/contexts.yaml} if that variable
     * is an absolute path, else {@code ~/.config/taskmaster/contexts.yaml}. Here rather than in
     * {@link ContextsFile} so that a client that reads no contexts does not load that class.
     */
    public static Path contextsFile(Map<String, String> env) {
        String config = env.get("XDG_CONFIG_HOME");
        Path base;
        if (config != null && !config.isBlank() && Path.of(config).isAbsolute()) {
            base = Path.of(config);
        } else {
            String home = env.get("HOME");
            base = Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"), ".config");
        }
        return base.resolve("taskmaster").resolve("contexts.yaml");
    }

    /** Where contexts are kept for this environment. */
    public Path contextsFile() {
        return contextsFile;
    }

    /** The contexts file's contents, read on first use. */
    public Contexts contexts() {
        if (contexts == null) {
            contexts = ContextsFile.load(contextsFile, uid);
        }
        return contexts;
    }

    /**
     * @throws TargetException for a bad address or instance, an unknown context, an unreadable or unsafe contexts file
     */
    public Resolved resolve(Flags flags) {
        if (flags.server() != null && (flags.socket() != null || flags.instance() != null)) {
            throw new TargetException(TargetException.Kind.INVALID, "--server cannot be combined with "
                    + (flags.socket() != null ? "--socket" : "--instance") + "; give one address");
        }
        String name = flags.context();
        String from = "--context";
        if (name == null && !flags.addressGiven()) {
            String variable = env.get(CONTEXT_VARIABLE);
            if (variable != null && !variable.isBlank()) {
                name = variable.strip();
                from = CONTEXT_VARIABLE;
            } else if (Files.exists(contextsFile)) {
                name = contexts().current();
                from = "the current context";
            }
        }
        if (name == null) {
            return address(flags, flags.security(), null);
        }
        Context c = context(name, from);
        if (flags.addressGiven()) {
            return address(flags, c.security().overriddenBy(flags.security()), c.name());
        }
        return new Resolved(c.target(flags.security()), null, c.server() instanceof ServerAddress.Unix);
    }

    /** The context called {@code name}; {@code from} says who named it, for the error. */
    public Context context(String name, String from) {
        Context.checkName(name);
        return contexts().get(name).orElseThrow(() -> new TargetException(TargetException.Kind.INVALID,
                "no context \"" + name + "\"" + (from.equals("--context") ? "" : " (named by " + from + ")") + " in " + contextsFile
                        + (contexts().byName().isEmpty() ? "; add one with: taskmasterctl context add NAME --server ADDRESS"
                        : "; known: " + String.join(", ", contexts().names()))));
    }

    /** The address the flags give (or the default instance's socket), with {@code security}. */
    private Resolved address(Flags flags, ClientSecurity security, String context) {
        if (flags.server() != null) {
            ServerAddress a = ServerAddress.parse(flags.server());
            return new Resolved(new DaemonTarget(a, security, context), null, true);
        }
        Path socket;
        try {
            socket = SocketPaths.resolve(flags.socket(), flags.instance(), env, uid);
        } catch (IllegalArgumentException badInstance) {
            throw new TargetException(TargetException.Kind.INVALID, badInstance.getMessage());
        }
        String instance = Objects.requireNonNullElse(flags.instance(), SocketPaths.DEFAULT_INSTANCE);
        return new Resolved(new DaemonTarget(new ServerAddress.Unix(socket.toAbsolutePath()), security, context),
                instance, flags.socket() != null);
    }
}
