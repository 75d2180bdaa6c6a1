package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A private tmux server (its own socket) with one session: a real pseudo-terminal that tests
 * type at and read back, as a person would. Needs tmux (CI installs it); without it
 * {@link #require} fails and says so. Not thread-safe: one test thread drives it.
 */
final class Tmux implements AutoCloseable {

    static final Duration LIMIT = Duration.ofSeconds(30);

    /** What a tmux command printed, and its exit code. */
    record Run(int code, String out) {}

    private final String socket = "taskmaster-it-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    private final String session;
    private final Map<String, String> env;

    /** @param env added to tmux's environment, so to the commands it starts */
    Tmux(String session, Map<String, String> env) {
        this.session = session;
        this.env = Map.copyOf(env);
    }

    static void require() throws InterruptedException {
        try {
            Process p = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return;
            }
        } catch (IOException notInstalled) {
            // below
        }
        throw new AssertionError("this test drives a terminal program through a pseudo-terminal with tmux, which is not"
                + " installed (or not on PATH): install it, e.g. apt-get install -y tmux");
    }

    /** Runs {@code tmux -L SOCKET ARGS...} to completion. */
    Run run(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("tmux", "-L", socket));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().remove("TMUX"); // a test run from inside tmux still starts its own server
        pb.environment().put("TERM", "xterm"); // tmux's server dies at once if started with TERM=dumb (CI)
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("tmux " + String.join(" ", args) + " did not return");
        }
        return new Run(p.exitValue(), out);
    }

    /**
     * Starts the session running {@code command} (a shell command line) in a {@code cols}×{@code rows}
     * window. The pane stays after the command ends (remain-on-exit), with its last screen.
     */
    void start(String command, int cols, int rows) throws Exception {
        Run started = run("new-session", "-d", "-s", session, "-x", String.valueOf(cols), "-y", String.valueOf(rows), command,
                ";", "set-window-option", "-t", session, "remain-on-exit", "on");
        assertThat(started.code()).as(started.out()).isZero();
    }

    String screen() throws Exception {
        return run("capture-pane", "-p", "-t", session).out();
    }

    /** The line the cursor is on (the last non-blank one; tmux drops trailing blanks). */
    static String lastLine(String screen) {
        List<String> lines = screen.lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.getLast();
    }

    /** Polls the screen until {@code ok} holds; fails with the last screen after {@link #LIMIT}. */
    String awaitScreen(String what, Predicate<String> ok) throws Exception {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = screen();
            if (ok.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("timed out after " + LIMIT + " waiting for " + what + "; the screen was:\n" + last);
    }

    /** Waits until the cursor's line is exactly {@code line}. */
    String awaitPrompt(String line) throws Exception {
        return awaitScreen("the prompt line \"" + line + "\"", s -> lastLine(s).equals(line));
    }

    /** Waits until the command of the session has ended. */
    void awaitPaneDead() throws Exception {
        awaitScreen("the pane to close", s -> {
            try {
                return run("display-message", "-p", "-t", session, "#{pane_dead}").out().strip().equals("1");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /**
     * In a shell attached through a console (a window of 100×30), checks that the shell sees
     * the window's size and a resize to 90×25, as {@code stty size} reports them.
     */
    void checkWindowSizeFollows() throws Exception {
        type("stty size");
        press("Enter");
        awaitScreen("the window size passed through", s -> s.lines().anyMatch(l -> l.strip().equals("30 100")));
        resize(90, 25);
        type("stty size");
        press("Enter");
        awaitScreen("the new window size", s -> s.lines().anyMatch(l -> l.strip().equals("25 90")));
    }

    /** Types {@code text} literally. */
    void type(String text) throws Exception {
        assertThat(run("send-keys", "-t", session, "-l", text).code()).isZero();
    }

    /** Presses keys by tmux's names for them: {@code Enter}, {@code Tab}, {@code C-c}, {@code x}… */
    void press(String... keys) throws Exception {
        List<String> args = new ArrayList<>(List.of("send-keys", "-t", session));
        args.addAll(List.of(keys));
        assertThat(run(args.toArray(String[]::new)).code()).isZero();
    }

    /** Resizes the window, as a person dragging its corner. */
    void resize(int cols, int rows) throws Exception {
        assertThat(run("resize-window", "-t", session, "-x", String.valueOf(cols), "-y", String.valueOf(rows)).code()).isZero();
    }

    /** Ends the tmux server, and with it whatever still runs in its pane (SIGHUP). */
    @Override
    public void close() throws Exception {
        run("kill-server");
    }
}
