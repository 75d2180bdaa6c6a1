package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real bin/taskmaster-tui at a real pseudo-terminal (a detached tmux session of 80x24),
 * monitoring the real bin/taskmasterd: the screen is read back with capture-pane and keys are
 * sent with send-keys, as a person would type them. Needs tmux (CI installs it).
 */
class TuiIT {

    static final Duration LIMIT = Duration.ofSeconds(30);
    /** The terminal the TUI runs in; a private tmux server per test. */
    private Tmux tmux;

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp);
    }

    private BinProcess.Result ctl(String... args) throws Exception {
        return BinProcess.ctl(tmp, env(), LIMIT, args);
    }

    private static Predicate<String> line(String regex) {
        Pattern p = Pattern.compile("(?m)^" + regex + "$");
        return s -> p.matcher(s).find();
    }

    /** Starts the daemon on {@code yaml}, waits until every process runs, then opens the TUI in tmux (80x24). */
    private BinProcess startDaemonAndTui(String yaml) throws Exception {
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, yaml);
        BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (ctl("status").code() != 0) {
            assertThat(System.nanoTime()).as("every process RUNNING in time; daemon stderr: %s", daemon.stderr()).isLessThan(deadline);
        }
        // sh records how the TUI ended and the terminal's modes after it, in files: what tmux shows of
        // a pane whose program left the alternate screen just before the pane died is not reliable.
        String command = "env XDG_RUNTIME_DIR='" + tmp.resolve("run") + "' '" + BinProcess.REPO.resolve("bin/taskmaster-tui")
                + "'; echo $? > '" + tmp.resolve("tui.exit") + "'; stty -a > '" + tmp.resolve("tty.after") + "'";
        tmux.start(command, 80, 24);
        return daemon;
    }

    private static final String CONFIG = """
            programs:
              web:
                cmd: sh -c 'while true; do echo web is up; sleep 1; done'
                starttime: 0
              worker:
                cmd: sleep 1000
                numprocs: 2
                starttime: 0
            """;

    @Test
    void aPersonWatchesStopsKillsResizesAndQuits() throws Exception {
        Tmux.require();
        tmux = new Tmux("tuiit", env());
        BinProcess daemon = startDaemonAndTui(CONFIG);
        try {
            String first = tmux.awaitScreen("every process RUNNING in the table", line("web +web +RUNNING +\\d+ +\\d+:\\d\\d:\\d\\d +0 .*")
                    .and(line("  worker:0 +worker +RUNNING +\\d+ .*")).and(line("  worker:1 +worker +RUNNING +\\d+ .*")));
            assertThat(first).startsWith("taskmaster-tui  default: taskmasterd ");
            assertThat(first).contains("3 processes: 3 RUNNING");
            assertThat(first.lines().toList()).hasSize(24).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));

            // web is the first line and selected: x stops it.
            tmux.press("x");
            tmux.awaitScreen("web STOPPED", line("web +web +STOPPED +- +- +0 .*").and(s -> s.contains("web: stopped")));
            assertThat(ctl("status", "web").out()).containsPattern("(?m)^web +STOPPED ");

            // SIGKILL a worker behind the daemon's back: it comes back, and its restart counter moves.
            Matcher m = Pattern.compile("(?m)^  worker:0 +worker +RUNNING +(\\d+) ").matcher(tmux.screen());
            assertThat(m.find()).isTrue();
            long pid = Long.parseLong(m.group(1));
            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            String restarted = tmux.awaitScreen("worker:0 restarted once after SIGKILL",
                    line("  worker:0 +worker +RUNNING +(?!" + pid + " )\\d+ +\\S+ +1 +SIGKILL! .*"));
            assertThat(restarted).contains("worker:0 RUNNING -> EXITED");

            // A bigger window: the whole screen is laid out again for it.
            tmux.resize(100, 30);
            String wide = tmux.awaitScreen("the screen at 100x30", s -> s.lines().count() == 30
                    && s.lines().toList().get(29).startsWith("q quit") && line("NAME +GROUP .* RSS").test(s)
                    && s.lines().anyMatch(l -> l.startsWith("NAME") && l.length() > 90));
            assertThat(wide).containsPattern("(?m)^web +web +STOPPED ");
            tmux.resize(80, 24);
            tmux.awaitScreen("the screen at 80x24 again", s -> s.lines().count() == 24 && s.lines().toList().get(23).startsWith("q quit"));

            tmux.press("q");
            assertQuitCleanly();
            // The monitor only watched: the daemon and its programs run on.
            assertThat(ctl("status", "worker").code()).isZero();
        } finally {
            tmux.close();
            stop(daemon);
        }
    }

    @Test
    void aPersonAttachesToAConsoleTypesAndDetaches() throws Exception {
        Tmux.require();
        tmux = new Tmux("tuiit", env());
        BinProcess daemon = startDaemonAndTui("""
                programs:
                  console:
                    cmd: /bin/sh -i
                    tty: true
                    starttime: 0
                """);
        try {
            tmux.awaitScreen("the console RUNNING", line("console +console +RUNNING +\\d+ .*"));
            tmux.press("a");
            tmux.awaitScreen("the console attached", s -> s.contains("[attached to console on default; Ctrl-] detaches]")
                    && !s.contains("NAME "));
            tmux.type("echo hel''lo");
            tmux.press("Enter");
            tmux.awaitScreen("the echo", line("hello"));
            tmux.press("C-]");
            tmux.awaitScreen("the monitor back", line("console +console +RUNNING +\\d+ .*")
                    .and(s -> s.contains("detached from console; it keeps running")));
            assertThat(ctl("status", "console").code()).isZero();
            tmux.press("q");
            assertQuitCleanly();
        } finally {
            tmux.close();
            stop(daemon);
        }
    }

    @Test
    void aMonitorKilledWithSigtermGivesTheTerminalBack() throws Exception {
        Tmux.require();
        tmux = new Tmux("tuiit", env());
        BinProcess daemon = startDaemonAndTui(CONFIG);
        try {
            tmux.awaitScreen("every process RUNNING", line("web +web +RUNNING +\\d+ .*"));
            long shell = Long.parseLong(tmux.run("display-message", "-p", "-t", "tuiit", "#{pane_pid}").out().strip());
            ProcessHandle tui = ProcessHandle.of(shell).orElseThrow().descendants()
                    .filter(h -> h.info().commandLine().orElse("").contains("taskmaster-tui.jar")).findFirst().orElseThrow();
            assertThat(tui.destroy()).isTrue(); // SIGTERM, as a shutdown or `kill` sends
            tmux.awaitPaneDead();
            assertThat(Files.readString(tmp.resolve("tui.exit")).strip()).isEqualTo("143"); // killed by SIGTERM
            List<String> modes = List.of(Files.readString(tmp.resolve("tty.after")).split("[\\s;]+"));
            assertThat(modes).as("the terminal is back in line mode with echo").contains("icanon", "echo", "isig", "opost");
            assertThat(tmux.screen()).doesNotContain("NAME ");
            assertThat(ctl("status").code()).as("the daemon and its programs run on").isZero();
        } finally {
            tmux.close();
            stop(daemon);
        }
    }

    /**
     * Issue 16 at 80x24 (and 60x20, 120x40): the help is whole (wrapped or scrolled, never cut),
     * the log pane searches and filters its output, and a daemon that is not there is named by
     * its socket and the reason.
     */
    @Test
    void atEightyColumnsTheHelpAndTheLogPaneReadWhole() throws Exception {
        Tmux.require();
        tmux = new Tmux("tuiit16", env());
        BinProcess daemon = startDaemonAndTui("""
                programs:
                  web:
                    cmd: sh -c 'i=0; while true; do i=$((i+1)); echo web is up $i; echo web warns $i >&2; sleep 0.2; done'
                    starttime: 0
                """);
        try {
            tmux.awaitScreen("web's output in the pane", line("web is up \\d+"));
            for (int[] size : new int[][] {{80, 24}, {120, 40}}) {
                tmux.resize(size[0], size[1]);
                tmux.press("?");
                String help = tmux.awaitScreen("the help at " + size[0] + "x" + size[1], s -> s.contains("an unexpected exit."));
                assertThat(help).contains("q / Ctrl-C").contains("Enter keeps, Esc clears").doesNotContain("~");
                tmux.press("Escape");
                tmux.awaitScreen("the help closed", s -> !s.contains("Keys (j/k scroll"));
            }
            tmux.resize(60, 20);
            tmux.press("?");
            tmux.awaitScreen("the short help", s -> s.contains("Keys (j/k scroll") && !s.contains("an unexpected exit."));
            for (int i = 0; i < 20; i++) {
                tmux.press("j");
            }
            tmux.awaitScreen("the help scrolled to its end", s -> s.contains("an unexpected exit."));
            tmux.press("Escape");
            tmux.resize(80, 24);

            // The log pane: stderr only, then a search.
            tmux.press("Tab");
            tmux.press("e");
            tmux.press("e");
            tmux.awaitScreen("stderr only", s -> s.contains("[stderr only]") && line("web warns \\d+").test(s)
                    && !line("web is up \\d+").test(s));
            tmux.press("e");
            tmux.type("/up 3");
            tmux.press("Enter");
            tmux.awaitScreen("the search in force", s -> s.contains("[/up 3]") && line("web is up 3\\d*").test(s));
            tmux.press("L");
            tmux.awaitScreen("the full-screen log", s -> !s.contains("-- events") && s.lines().toList().get(2).startsWith("-- output of web"));
            tmux.press("Escape");
            tmux.awaitScreen("the table back", s -> s.contains("-- events") && s.lines().toList().get(23).startsWith("q quit"));
            tmux.press("q");
            assertQuitCleanly();
        } finally {
            tmux.close();
            stop(daemon);
        }

        // No daemon behind a socket: its path and why, in the table and the events.
        Path missing = tmp.resolve("run/nothing-here.sock");
        tmux = new Tmux("tuiit16b", env());
        try {
            tmux.start("env XDG_RUNTIME_DIR='" + tmp.resolve("run") + "' '" + BinProcess.REPO.resolve("bin/taskmaster-tui")
                    + "' --socket '" + missing + "'", 80, 24);
            String screen = tmux.awaitScreen("the missing socket explained", s -> s.contains("DISCONNECTED")
                    && s.replaceAll("\\s+", " ").contains("cannot reach taskmasterd at " + missing));
            assertThat(screen.replaceAll("\\s+", " ")).contains("(no such socket: is the daemon running?)");
            tmux.press("q");
            tmux.awaitPaneDead();
        } finally {
            tmux.close();
        }
    }

    /** The TUI ended with 0, left the screen, and gave the terminal back in line mode with echo. */
    private void assertQuitCleanly() throws Exception {
        tmux.awaitPaneDead();
        assertThat(Files.readString(tmp.resolve("tui.exit")).strip()).isEqualTo("0");
        List<String> modes = List.of(Files.readString(tmp.resolve("tty.after")).split("[\\s;]+"));
        assertThat(modes).contains("icanon", "echo", "isig", "opost");
        assertThat(tmux.screen()).doesNotContain("NAME ").doesNotContain("taskmaster-tui  default");
    }

    private void stop(BinProcess daemon) throws Exception {
        BinProcess.shutdown(daemon, tmp, env(), LIMIT);
    }
}
