package dev.taskmaster.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jline.reader.LineReader;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The control shell of {@code taskmasterd --shell}: the same shell as {@code taskmasterctl}, in
 * the daemon's own terminal, talking to the daemon's own socket. A successful {@code shutdown}
 * ends it; so do {@code exit} and Ctrl-D, and the daemon then stops (it was started for this
 * terminal). Lines the daemon logs are printed above the prompt instead of through it.
 *
 * <p>Threading: {@link #run} blocks the thread that calls it until the shell ends.
 * {@link #printAbove} and {@link #end} may be called from any thread, at any time.
 */
public final class EmbeddedShell {

    private final Path socket;
    private final PrintStream fallback;
    private volatile LineReader reader;
    private volatile boolean ended;
    /** Whether the shell is waiting for a line (and may be interrupted to end it). */
    private volatile boolean reading;
    private volatile Thread thread;

    /**
     * @param socket   the daemon's socket
     * @param fallback where {@link #printAbove} writes while no shell is reading (before, after)
     */
    public EmbeddedShell(Path socket, PrintStream fallback) {
        this.socket = socket.toAbsolutePath();
        this.fallback = fallback;
    }

    /**
     * The instance whose default socket {@code socket} is ({@code RUNTIME/taskmaster/NAME.sock}),
     * for the prompt: {@code taskmasterd --shell -i blue} shows {@code taskmaster(blue)>} as
     * {@code taskmasterctl -i blue} does (issue 16: the prompt ignored --instance). Null for the
     * default instance or a socket given by path.
     */
    static String instanceOf(Path socket) {
        String file = socket.getFileName().toString();
        if (!file.endsWith(".sock")) {
            return null;
        }
        String name = file.substring(0, file.length() - ".sock".length());
        Path expected = dev.taskmaster.client.SocketPaths.resolve(null, name, System.getenv(),
                dev.taskmaster.client.SocketPaths.currentUid());
        return !name.equals(dev.taskmaster.client.SocketPaths.DEFAULT_INSTANCE) && expected.toAbsolutePath().equals(socket)
                ? name : null;
    }

    /** Whether standard input and output are a terminal, which the shell needs. */
    public static boolean terminalAvailable() {
        java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }

    /** Runs the shell until it is left or {@link #end ended}; returns its exit code. */
    public int run() {
        thread = Thread.currentThread();
        if (ended) {
            return ExitCodes.OK;
        }
        try (Session session = Session.system()) {
            session.terminalOpener(EmbeddedShell::terminal);
            return new Shell(session, Map.of("--socket", socket.toString())).label(instanceOf(socket)).hooks(new Hooks()).run();
        } finally {
            thread = null;
        }
    }

    /**
     * Ends {@link #run} from another thread (the daemon is shutting down for another reason) and
     * waits up to {@code timeoutMillis} for the shell to restore the terminal.
     */
    public void end(long timeoutMillis) {
        ended = true;
        Thread running = thread;
        if (running == null) {
            return;
        }
        if (reading) {
            // readLine answers an interrupt as it answers Ctrl-C; the loop then sees ended(). A
            // command that is running is not interrupted: the shell ends after it.
            running.interrupt();
        }
        try {
            running.join(TimeUnit.MILLISECONDS.toMillis(timeoutMillis));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Prints one line (no line break at its end) above the prompt, keeping what is being typed intact. */
    public void printAbove(String line) {
        LineReader r = reader;
        if (r != null) {
            try {
                r.printAbove(line);
                return;
            } catch (RuntimeException closing) {
                // the terminal went away between the check and the call
            }
        }
        fallback.println(line);
        fallback.flush();
    }

    /**
     * The process's terminal, with Ctrl-C, Ctrl-\ and Ctrl-Z ignored by default rather than
     * fatal: JLine otherwise resets them to the default action, which would kill the daemon and
     * leave its children unsupervised. The shell installs its own Ctrl-C handling on top.
     */
    private static Terminal terminal() throws IOException {
        return TerminalBuilder.builder().name("taskmasterd").system(true).dumb(true)
                .signalHandler(Terminal.SignalHandler.SIG_IGN).build();
    }

    private final class Hooks implements Shell.Hooks {
        @Override
        public void readerReady(LineReader r) {
            reader = r;
        }

        @Override
        public void readerGone() {
            reader = null;
        }

        @Override
        public void reading(boolean now) {
            reading = now;
        }

        @Override
        public boolean ended() {
            return ended;
        }

        @Override
        public boolean leaveAfter(List<String> words, int exit) {
            return ended || (words.getFirst().equals("shutdown") && exit == ExitCodes.OK);
        }
    }
}
