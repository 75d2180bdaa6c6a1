package dev.taskmaster.tui;

import com.googlecode.lanterna.screen.TerminalScreen;
import dev.taskmaster.client.ClientSecurity;
import dev.taskmaster.client.Context;
import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.DaemonTarget;
import dev.taskmaster.client.ServerAddress;
import dev.taskmaster.client.SocketPaths;
import dev.taskmaster.client.TargetException;
import dev.taskmaster.client.TargetResolver;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code taskmaster-tui}: the full-screen live monitor of one or more taskmasterd instances.
 *
 * <p>Several daemons (local instances, remote hosts over TLS) share one table with a HOST column
 * rather than one tab each: a FATAL process on any of them is visible at a glance, and sort and
 * filter work across all of them.
 */
@Command(name = "taskmaster-tui", mixinStandardHelpOptions = true, versionProvider = TaskmasterTui.VersionProvider.class,
        description = {"Full-screen live monitor for taskmasterd: what runs, what died and why, what it printed,",
                "and every action one key away (press ? for the keys). Several daemons (--context, --server,",
                "--instance, --socket, all repeatable, or --all-contexts) share one table with a HOST column."},
        footer = {"", "With no daemon named: TASKMASTER_CONTEXT, else the current context, else the local default instance.",
                "Contexts and TLS: docs/remote.md."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:quit", "1:no terminal, or an internal error (the terminal is restored)",
                "2:bad usage: an unknown option, context or address, a credential file that cannot be used",
                "7:refused: a socket not yours or root's, a key, token or contexts file others may read or write"})
public final class TaskmasterTui implements Callable<Integer> {

    @Option(names = {"-i", "--instance"}, paramLabel = "NAME",
            description = "A daemon instance to monitor (its socket is found like taskmasterctl finds it). Repeatable.")
    List<String> instances = new ArrayList<>();

    @Option(names = {"-s", "--socket"}, paramLabel = "PATH", description = "A daemon socket to monitor. Repeatable.")
    List<Path> sockets = new ArrayList<>();

    @Option(names = "--server", paramLabel = "ADDRESS",
            description = "A daemon to monitor: HOST:PORT or [IPV6]:PORT (TLS), unix:///PATH. Repeatable.")
    List<String> servers = new ArrayList<>();

    @Option(names = "--context", paramLabel = "NAME", description = "A context (taskmasterctl context add) to monitor. Repeatable.")
    List<String> contexts = new ArrayList<>();

    @Option(names = "--all-contexts", description = "Monitor every context of the contexts file.")
    boolean allContexts;

    @Option(names = "--ca", paramLabel = "FILE", description = "TLS: trust only the CAs of this PEM file (for TCP daemons).")
    Path ca;

    @Option(names = "--cert", paramLabel = "FILE", description = "TLS: client certificate (PEM) for mutual TLS; needs --key.")
    Path cert;

    @Option(names = "--key", paramLabel = "FILE", description = "TLS: the client certificate's private key (PEM, PKCS#8), yours only.")
    Path key;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Send the bearer token in FILE (yours only) with every call.")
    Path tokenFile;

    @Option(names = "--plaintext", description = "TCP without TLS, to loopback addresses only.")
    boolean plaintext;

    @Option(names = "--theme", paramLabel = "NAME",
            description = "Colours: dark (the default), light, or none. Else $TASKMASTER_TUI_THEME; NO_COLOR set means none.")
    String theme;

    private Theme chosenTheme = Theme.DARK;

    @Option(names = "--keys", paramLabel = "FILE",
            description = "Extra keys, as KEY = ACTION lines. Default: $XDG_CONFIG_HOME/taskmaster/tui-keys.conf if it exists.")
    Path keysFile;

    private KeyMap keyMap = KeyMap.NONE;

    /** JUL loggers are held weakly; a collected one forgets its level. */
    private static final Logger ROOT_LOG = Logger.getLogger("");

    public static void main(String[] args) {
        System.exit(new CommandLine(new TaskmasterTui()).execute(args));
    }

    /**
     * The daemons to monitor, in this order: contexts (all, then those named), servers,
     * instances, sockets; when none is named, the one taskmasterctl would talk to
     * (TASKMASTER_CONTEXT, the current context, the local default instance). The TLS and token
     * options apply to every TCP daemon, overriding its context's settings; a token also to sockets.
     *
     * @throws TargetException for an unknown context, a bad address, an unreadable or unsafe contexts file
     */
    List<Target> targets(Map<String, String> env, int uid) {
        TargetResolver resolver = new TargetResolver(env, uid);
        ClientSecurity flags = new ClientSecurity(ca, cert, key, tokenFile, plaintext);
        Map<String, Target> out = new LinkedHashMap<>();
        Set<String> labels = new HashSet<>();
        List<String> named = new ArrayList<>();
        if (allContexts) {
            named.addAll(resolver.contexts().names());
        }
        named.addAll(contexts);
        for (String name : named) {
            Context c = resolver.context(name, "--context");
            out.putIfAbsent("context " + name, new Target(unique(name, labels), withFlags(c.target(ClientSecurity.NONE), flags)));
        }
        for (String server : servers) {
            ServerAddress a = ServerAddress.parse(server);
            out.putIfAbsent(a.toString(), new Target(unique(label(a), labels), withFlags(new DaemonTarget(a, ClientSecurity.NONE, null), flags)));
        }
        for (String name : instances) {
            Path socket = socketOf(null, name, env, uid);
            out.putIfAbsent(socket.toString(), new Target(unique(name, labels), withFlags(DaemonTarget.unix(socket), flags)));
        }
        for (Path socket : sockets) {
            DaemonTarget t = DaemonTarget.unix(socket);
            out.putIfAbsent(t.address().toString(), new Target(unique(label(t.address()), labels), withFlags(t, flags)));
        }
        if (out.isEmpty()) {
            DaemonTarget only = resolver.resolve(new TargetResolver.Flags(null, null, null, null, ClientSecurity.NONE)).target();
            DaemonTarget t = withFlags(only, flags);
            out.put("default", new Target(only.context() != null ? only.context() : SocketPaths.DEFAULT_INSTANCE, t));
        }
        return List.copyOf(out.values());
    }

    private static Path socketOf(Path socket, String instance, Map<String, String> env, int uid) {
        try {
            return SocketPaths.resolve(socket, instance, env, uid);
        } catch (IllegalArgumentException badInstance) {
            throw new TargetException(TargetException.Kind.INVALID, badInstance.getMessage());
        }
    }

    /** A TCP daemon's name, {@code web1:7443}; a socket's file name without {@code .sock}. */
    private static String label(ServerAddress a) {
        if (a instanceof ServerAddress.Unix u) {
            Path f = u.socket().getFileName();
            String file = f == null ? u.socket().toString() : f.toString();
            return file.endsWith(".sock") ? file.substring(0, file.length() - 5) : file;
        }
        return a.toString();
    }

    /** The flags over {@code t}'s own settings: all of them for TCP, only the token for a socket (TLS options do not apply). */
    private static DaemonTarget withFlags(DaemonTarget t, ClientSecurity flags) {
        ClientSecurity applicable = t.address() instanceof ServerAddress.Unix
                ? new ClientSecurity(null, null, null, flags.tokenFile(), false) : flags;
        return new DaemonTarget(t.address(), t.security().overriddenBy(applicable), t.context());
    }

    private static String unique(String label, Set<String> taken) {
        String l = label;
        for (int n = 2; !taken.add(l); n++) {
            l = label + "#" + n;
        }
        return l;
    }

    /** Opens a channel per target, before the screen starts, so a refused one is one line on a normal terminal. */
    private static Map<String, DaemonChannel> open(List<Target> targets) {
        Map<String, DaemonChannel> channels = new LinkedHashMap<>();
        try {
            for (Target t : targets) {
                channels.put(t.label(), DaemonChannel.open(t.target()));
            }
            return channels;
        } catch (RuntimeException e) {
            channels.values().forEach(DaemonChannel::close);
            throw e;
        }
    }

    @Override
    public Integer call() throws Exception {
        List<Target> targets;
        Map<String, DaemonChannel> channels;
        try {
            chosenTheme = Theme.choose(theme, System.getenv());
            keyMap = KeyMap.read(keysFile != null ? keysFile : KeyMap.defaultPath(System.getenv()), keysFile != null);
        } catch (IllegalArgumentException badTheme) {
            System.err.println("taskmaster-tui: " + badTheme.getMessage());
            return 2;
        }
        try {
            targets = targets(System.getenv(), SocketPaths.currentUid());
            if (WinSize.query().isEmpty()) {
                System.err.println("taskmaster-tui: needs a terminal (stdin and stdout are not one); use taskmasterctl status in scripts");
                return 1;
            }
            channels = open(targets);
        } catch (TargetException e) {
            System.err.println("taskmaster-tui: " + e.getMessage());
            return e.kind() == TargetException.Kind.UNSAFE ? 7 : 2;
        }
        // Anything written to stderr while the screen is up would tear it: keep it, print it after.
        LogManager.getLogManager().reset();
        ROOT_LOG.setLevel(Level.OFF);
        PrintStream realErr = System.err;
        ByteArrayOutputStream held = new ByteArrayOutputStream();
        System.setErr(new PrintStream(held, true));
        try {
            return run(targets, channels);
        } catch (Exception | Error e) {
            System.setErr(realErr);
            realErr.println("taskmaster-tui: internal error (the terminal was restored): " + e);
            e.printStackTrace(realErr);
            return 1;
        } finally {
            System.setErr(realErr);
            if (held.size() > 0) {
                realErr.write(held.toByteArray(), 0, Math.min(held.size(), 64 * 1024));
            }
        }
    }

    private int run(List<Target> targets, Map<String, DaemonChannel> channels) throws IOException {
        KeyPipe keys = new KeyPipe();
        PrintStream out = System.out;
        TtyTerminal terminal = new TtyTerminal(keys, out);
        TerminalScreen screen = new TerminalScreen(terminal);
        ScreenModel model = new ScreenModel(Clock.systemDefaultZone(), targets.stream().map(Target::label).toList());
        TuiApp app = new TuiApp(model, screen, new Renderer(ZoneId.systemDefault(), chosenTheme));
        StdinPump pump = new StdinPump(new FileInputStream(FileDescriptor.in), bytes -> {
            keys.feed(bytes);
            app.wake();
        }, () -> {
            keys.close();
            app.wake();
        });
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                .name("tui-timer").unstarted(r));
        ExecutorService worker = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("tui-rpc-", 0).factory());
        Map<String, DaemonLink> links = new LinkedHashMap<>();
        Object terminalLock = new Object();
        boolean[] restored = {false};
        Runnable restore = () -> {
            synchronized (terminalLock) {
                if (!restored[0]) {
                    restored[0] = true;
                    try {
                        terminal.setCursorVisible(true);
                        screen.stopScreen();
                    } catch (IOException | RuntimeException e) {
                        // Lanterna's own shutdown hook also restores the tty settings.
                    }
                }
            }
        };
        // A kill (SIGTERM, SIGINT from outside) runs the hooks: leave the alternate screen.
        Thread hook = new Thread(restore, "tui-restore");
        Runtime.getRuntime().addShutdownHook(hook);
        OutputFollower follower = new OutputFollower(app);
        try {
            for (Target t : targets) {
                links.put(t.label(), new DaemonLink(t, channels.get(t.label()), app, timer));
            }
            Console console = new Console(pump, out, new Console.Handover() {
                private RawMode raw;

                @Override
                public void suspend() throws IOException {
                    screen.stopScreen();
                    raw = RawMode.enter();
                }

                @Override
                public void resume() throws IOException {
                    try {
                        if (raw != null) {
                            raw.close();
                        }
                    } finally {
                        screen.startScreen();
                    }
                }

                @Override
                public WinSize.Size size() {
                    return WinSize.query().orElse(new WinSize.Size(24, 80));
                }
            });
            terminal.addResizeListener((t, size) -> {
                app.wake();
                console.resized(new WinSize.Size(size.getRows(), size.getColumns()));
            });
            Daemons actions = new Daemons(links, model, app, worker, app::requestAttach);
            screen.startScreen();
            screen.setCursorPosition(null);
            pump.startDaemon();
            links.values().forEach(DaemonLink::start);
            model.extraKeys = keyMap.describe();
            app.loop(new Controller(model, actions, keyMap), follower, links, console);
            return 0;
        } finally {
            follower.stop();
            links.values().forEach(DaemonLink::close);
            restore.run();
            try {
                terminal.close(); // restores the tty settings Lanterna changed
            } catch (IOException | RuntimeException e) {
                // already restored by the hook, or the terminal is gone
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
            timer.shutdownNow();
            worker.shutdownNow();
            channels.values().forEach(DaemonChannel::close);
        }
    }

    /** The version from the jar's manifest ({@code dev} when run from classes). */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = TaskmasterTui.class.getPackage().getImplementationVersion();
            return new String[] {"taskmaster-tui " + (v != null ? v : "dev")};
        }
    }
}
