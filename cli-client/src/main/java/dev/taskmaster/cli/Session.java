package dev.taskmaster.cli;

import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.DaemonChannels;
import dev.taskmaster.client.DaemonTarget;
import dev.taskmaster.client.ServerAddress;
import dev.taskmaster.client.SocketPaths;
import dev.taskmaster.client.TargetResolver;
import io.grpc.ConnectivityState;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the commands need from the outside world — output streams, environment, terminal,
 * the contexts file, and a connection to the daemon — behind one object, so tests run the real command tree with
 * their own streams and an in-process daemon ({@link ChannelOpener}).
 *
 * <p>The connection is opened on the first call and kept until {@link #close}: a one-shot
 * command uses it once, the interactive shell ({@link Shell}) reuses it for every line and
 * replaces it when it has failed ({@link #dropFailedConnection}), e.g. after the daemon restarted.
 */
public final class Session implements AutoCloseable {

    /**
     * Opens a connection to a daemon ({@link DaemonChannel#open(DaemonTarget)}); tests return an
     * in-process channel instead.
     */
    @FunctionalInterface
    public interface ChannelOpener {
        DaemonChannel open(DaemonTarget target);

        /**
         * Connections to several daemons made together ({@link Fleet}); by default each opened
         * alone with {@link #open}.
         */
        default ChannelGroup group() {
            return new OneByOne(this);
        }
    }

    /** The connections of one command to several daemons, closed together. Used on one thread. */
    public interface ChannelGroup extends AutoCloseable {
        /** @throws dev.taskmaster.client.TargetException if the target's settings cannot or must not be used */
        DaemonChannel open(DaemonTarget target);

        /** Closes every connection opened (all asked to stop before any is waited for). */
        @Override
        void close();
    }

    /**
     * The real connections: {@link DaemonChannel#open(DaemonTarget)} for one daemon, and for
     * several a {@link DaemonChannels} (one event loop, one TLS context per set of credentials).
     * A class rather than a lambda in a static field: see {@link TaskmasterCtl}'s verbs.
     */
    public static final class RealChannels implements ChannelOpener {
        @Override
        public DaemonChannel open(DaemonTarget target) {
            return DaemonChannel.open(target);
        }

        @Override
        public ChannelGroup group() {
            DaemonChannels channels = new DaemonChannels(Runtime.getRuntime().availableProcessors());
            return new ChannelGroup() {
                @Override
                public DaemonChannel open(DaemonTarget target) {
                    return channels.open(target);
                }

                @Override
                public void close() {
                    channels.close();
                }
            };
        }
    }

    /** A group of connections each opened alone. */
    private static final class OneByOne implements ChannelGroup {
        private final ChannelOpener opener;
        private final List<DaemonChannel> channels = new ArrayList<>();

        OneByOne(ChannelOpener opener) {
            this.opener = opener;
        }

        @Override
        public DaemonChannel open(DaemonTarget target) {
            DaemonChannel c = opener.open(target);
            channels.add(c);
            return c;
        }

        @Override
        public void close() {
            for (DaemonChannel c : channels) {
                c.channel().shutdownNow();
            }
            channels.forEach(DaemonChannel::close);
        }
    }

    /** Asks the user for a missing value, if there is a user at a terminal to ask. */
    public interface Prompter {
        /** True if stdin (and stdout) is a terminal, so {@link #ask} may be called. */
        boolean interactive();

        /** Shows {@code prompt} and reads one line; null at end of input. */
        String ask(String prompt);
    }

    /**
     * Opens the terminal of the interactive shell. Only the shell calls it, so a one-shot command
     * never loads JLine; tests give a terminal on their own streams.
     */
    @FunctionalInterface
    public interface TerminalOpener {
        org.jline.terminal.Terminal open() throws IOException;
    }

    /**
     * Where the daemon was looked for, kept for error messages.
     *
     * @param instance       the instance whose default socket this is, or null
     * @param explicitSocket whether a socket path was given rather than derived from the instance
     */
    public record Endpoint(DaemonTarget target, String instance, boolean explicitSocket) {

        /** The Unix socket, or null for a TCP target. */
        public Path socket() {
            return target.address() instanceof ServerAddress.Unix u ? u.socket() : null;
        }
    }

    private final InputStream in;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Map<String, String> env;
    private final int uid;
    private final boolean stdoutIsTerminal;
    private final Prompter prompter;
    private final ChannelOpener opener;
    /** Null until first asked for by a session of the real process: see {@link #system()}. */
    private ZoneId zone;

    private Endpoint endpoint;
    private DaemonChannel channel;
    /** Null: the process's own terminal ({@link Shell#systemTerminal}). */
    private TerminalOpener terminalOpener;
    /** Set while the shell runs: its prompter replaces the console's. */
    private Prompter shellPrompter;
    /** Set while the shell runs. */
    private org.jline.terminal.Terminal shellTerminal;

    /** @param zone the zone dates are shown in; null: the system's, looked up when first needed */
    public Session(InputStream in, PrintWriter out, PrintWriter err, Map<String, String> env, int uid, boolean stdoutIsTerminal,
            Prompter prompter, ChannelOpener opener, ZoneId zone) {
        this.in = Objects.requireNonNull(in);
        this.out = Objects.requireNonNull(out);
        this.err = Objects.requireNonNull(err);
        this.env = Map.copyOf(env);
        this.uid = uid;
        this.stdoutIsTerminal = stdoutIsTerminal;
        this.prompter = Objects.requireNonNull(prompter);
        this.opener = Objects.requireNonNull(opener);
        this.zone = zone;
    }

    /** The real process: System streams, environment and console, Unix-socket connections. */
    public static Session system() {
        Console console = System.console();
        // Since JDK 22 System.console() exists even when redirected; isTerminal() tells the truth.
        boolean terminal = console != null && console.isTerminal();
        Prompter prompter = new Prompter() {
            @Override
            public boolean interactive() {
                return terminal;
            }

            @Override
            public String ask(String prompt) {
                return console.readLine("%s", prompt);
            }
        };
        // The zone is looked up when a command prints a date: ZoneId.systemDefault() reads the
        // time-zone database and scans every jar of the class path for zone rule providers, a
        // cost most commands (status, start, stop, help) never need (bench/README.md, taskmasterctl start-up).
        return new Session(System.in, writer(System.out), writer(System.err), System.getenv(), SocketPaths.currentUid(), terminal, prompter,
                new RealChannels(), null);
    }

    /** Autoflush: {@code events --follow} must show each line as it comes. */
    private static PrintWriter writer(PrintStream stream) {
        return new PrintWriter(new OutputStreamWriter(stream, stream.charset()), true);
    }

    /**
     * Standard input, for {@code -f -}. In the shell, standard input is the terminal the shell
     * reads its lines from, so reading it fails with a message instead.
     */
    public InputStream in() {
        if (shellPrompter != null) {
            return new InputStream() {
                @Override
                public int read() throws IOException {
                    throw new IOException("standard input is the shell's terminal; give a file instead of '-'");
                }
            };
        }
        return in;
    }

    public PrintWriter out() {
        return out;
    }

    public PrintWriter err() {
        return err;
    }

    public Prompter prompter() {
        return shellPrompter != null ? shellPrompter : prompter;
    }

    /**
     * True if both standard input and standard output are a terminal: the shell may start.
     * (In the shell, the prompter is the shell's, which is always interactive.)
     */
    public boolean interactive() {
        return prompter.interactive();
    }

    /** Gives the shell a terminal of the caller's choosing (tests). */
    Session terminalOpener(TerminalOpener opener) {
        this.terminalOpener = opener;
        return this;
    }

    TerminalOpener terminalOpener() {
        return terminalOpener;
    }

    /** The shell starts ({@code prompter} asks through its line reader) or, with null, has ended. */
    void shell(Prompter prompter) {
        shell(prompter, null);
    }

    /** As {@link #shell(Prompter)}, with the shell's terminal, which {@code attach} borrows. */
    void shell(Prompter prompter, org.jline.terminal.Terminal terminal) {
        this.shellPrompter = prompter;
        this.shellTerminal = terminal;
    }

    /** The shell's terminal while the shell runs (it stays the shell's: do not close it), else null. */
    org.jline.terminal.Terminal shellTerminal() {
        return shellTerminal;
    }

    /** True while the interactive shell runs. */
    boolean inShell() {
        return shellPrompter != null;
    }

    /**
     * The shell's history file: {@code $XDG_STATE_HOME/taskmaster/ctl_history}, else
     * {@code ~/.local/state/taskmaster/ctl_history} (a relative XDG_STATE_HOME is ignored, as the
     * XDG spec says).
     */
    public Path historyFile() {
        String state = env.get("XDG_STATE_HOME");
        Path base;
        if (state != null && !state.isBlank() && Path.of(state).isAbsolute()) {
            base = Path.of(state);
        } else {
            String home = env.get("HOME");
            base = Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"), ".local", "state");
        }
        return base.resolve("taskmaster").resolve("ctl_history");
    }

    /** One variable of the session's environment, or null. */
    public String environment(String name) {
        return env.get(name);
    }

    public ZoneId zone() {
        if (zone == null) {
            zone = ZoneId.systemDefault();
        }
        return zone;
    }

    /** Colour only for a person: stdout is a terminal and NO_COLOR (no-color.org) is unset or empty. */
    public boolean colour() {
        String noColor = env.get("NO_COLOR");
        return stdoutIsTerminal && (noColor == null || noColor.isEmpty());
    }

    /**
     * The daemon the options point at ({@link TargetResolver}: flags, contexts, the local socket).
     * The contexts file is read afresh each time, so a shell sees {@code context use} at once.
     *
     * @throws dev.taskmaster.client.TargetException for a bad address, instance or context
     */
    public Endpoint endpoint(TargetResolver.Flags flags) {
        TargetResolver.Resolved r = resolver().resolve(flags);
        return new Endpoint(r.target(), r.instance(), r.explicitSocket());
    }

    /** A local daemon's socket, as the daemon resolves it ({@link SocketPaths}), with no context consulted. */
    public Endpoint endpoint(Path socket, String instance) {
        return endpoint(TargetResolver.Flags.local(socket, instance));
    }

    /** Target resolution and the contexts file for this session's environment and user. */
    public TargetResolver resolver() {
        return new TargetResolver(env, uid);
    }

    /** The connection to {@code where}, opened on first use; a different target replaces the old connection. */
    public DaemonChannel connect(Endpoint where) {
        if (channel != null && !where.target().equals(endpoint.target())) {
            channel.close();
            channel = null;
        }
        endpoint = where;
        if (channel == null) {
            channel = opener.open(where.target());
        }
        return channel;
    }

    /**
     * Connections of their own, not kept by the session, for a command that talks to several
     * daemons at once ({@link Fleet}); the caller closes the group.
     */
    public ChannelGroup group() {
        return opener.group();
    }

    /**
     * Forgets the connection if it has failed (the daemon was gone at the last attempt), so the
     * next call dials afresh instead of failing fast during gRPC's reconnect back-off. A connection
     * that merely lost its daemon goes idle and redials by itself on the next call.
     */
    public void dropFailedConnection() {
        if (channel != null) {
            ConnectivityState state = channel.channel().getState(false);
            if (state == ConnectivityState.TRANSIENT_FAILURE || state == ConnectivityState.SHUTDOWN) {
                channel.close();
                channel = null;
            }
        }
    }

    /** The endpoint of the last connection, or null if none was made. */
    public Endpoint lastEndpoint() {
        return endpoint;
    }

    /** Closes the connection and its event loop, and flushes output. */
    @Override
    public void close() {
        if (channel != null) {
            channel.close();
            channel = null;
        }
        out.flush();
        err.flush();
    }
}
