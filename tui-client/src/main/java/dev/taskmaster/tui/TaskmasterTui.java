package dev.taskmaster.tui;

import com.googlecode.lanterna.screen.TerminalScreen;
import dev.taskmaster.client.DaemonChannel;
import dev.taskmaster.client.SocketPaths;
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
 * <p>Several daemons share one table with a DAEMON column rather than one tab each: a FATAL
 * process on any of them is visible at a glance, and sort and filter work across all of them.
 */
@Command(name = "taskmaster-tui", mixinStandardHelpOptions = true, versionProvider = TaskmasterTui.VersionProvider.class,
        description = {"Full-screen live monitor for taskmasterd: what runs, what died and why, what it printed,",
                "and every action one key away (press ? for the keys). Several --instance / --socket options",
                "monitor several daemons in one table."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:quit", "1:no terminal, or an internal error (the terminal is restored)", "2:bad usage"})
public final class TaskmasterTui implements Callable<Integer> {

    @Option(names = {"-i", "--instance"}, paramLabel = "NAME",
            description = "A daemon instance to monitor (its socket is found like taskmasterctl finds it). Repeatable.")
    List<String> instances = new ArrayList<>();

    @Option(names = {"-s", "--socket"}, paramLabel = "PATH", description = "A daemon socket to monitor. Repeatable.")
    List<Path> sockets = new ArrayList<>();

    /** JUL loggers are held weakly; a collected one forgets its level. */
    private static final Logger ROOT_LOG = Logger.getLogger("");

    public static void main(String[] args) {
        System.exit(new CommandLine(new TaskmasterTui()).execute(args));
    }

    /** The daemons to monitor, in the order given; the default instance when none is. */
    List<Target> targets(Map<String, String> env, int uid) {
        List<Target> out = new ArrayList<>();
        Set<String> labels = new HashSet<>();
        List<String> names = instances.isEmpty() && sockets.isEmpty() ? List.of(SocketPaths.DEFAULT_INSTANCE) : instances;
        for (String name : names) {
            out.add(new Target(unique(name, labels), SocketPaths.resolve(null, name, env, uid)));
        }
        for (Path socket : sockets) {
            String file = socket.getFileName() == null ? socket.toString() : socket.getFileName().toString();
            out.add(new Target(unique(file.endsWith(".sock") ? file.substring(0, file.length() - 5) : file, labels), socket));
        }
        return out;
    }

    private static String unique(String label, Set<String> taken) {
        String l = label;
        for (int n = 2; !taken.add(l); n++) {
            l = label + "#" + n;
        }
        return l;
    }

    @Override
    public Integer call() throws Exception {
        List<Target> targets;
        try {
            targets = targets(System.getenv(), SocketPaths.currentUid());
        } catch (IllegalArgumentException e) {
            System.err.println("taskmaster-tui: " + e.getMessage());
            return 2;
        }
        if (WinSize.query().isEmpty()) {
            System.err.println("taskmaster-tui: needs a terminal (stdin and stdout are not one); use taskmasterctl status in scripts");
            return 1;
        }
        // Anything written to stderr while the screen is up would tear it: keep it, print it after.
        LogManager.getLogManager().reset();
        ROOT_LOG.setLevel(Level.OFF);
        PrintStream realErr = System.err;
        ByteArrayOutputStream held = new ByteArrayOutputStream();
        System.setErr(new PrintStream(held, true));
        try {
            return run(targets);
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

    private int run(List<Target> targets) throws IOException {
        KeyPipe keys = new KeyPipe();
        PrintStream out = System.out;
        TtyTerminal terminal = new TtyTerminal(keys, out);
        TerminalScreen screen = new TerminalScreen(terminal);
        ScreenModel model = new ScreenModel(Clock.systemDefaultZone(), targets.stream().map(Target::label).toList());
        TuiApp app = new TuiApp(model, screen, new Renderer(ZoneId.systemDefault()));
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
        Map<String, DaemonChannel> channels = new LinkedHashMap<>();
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
                DaemonChannel c = DaemonChannel.open(t.socket());
                channels.put(t.label(), c);
                links.put(t.label(), new DaemonLink(t, c, app, timer));
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
            app.loop(new Controller(model, actions), follower, links, console);
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
