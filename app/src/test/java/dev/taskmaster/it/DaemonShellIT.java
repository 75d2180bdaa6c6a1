package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code taskmasterd --shell}: the real daemon in the foreground of a real terminal (tmux),
 * with the control shell at its prompt and the daemon's log printed above it.
 */
class DaemonShellIT {

    static final Duration LIMIT = Tmux.LIMIT;
    private static final Pattern DAEMON_PID = Pattern.compile("started: instance default, pid (\\d+),");

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1");
    }

    private Path config() throws Exception {
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, """
                programs:
                  web:
                    cmd: sleep 1000
                    starttime: 0
                  worker:
                    cmd: sleep 1000
                    numprocs: 2
                    starttime: 0
                """);
        return config;
    }

    /**
     * The daemon with its shell, then how it ended, then whether the terminal is back in
     * canonical mode (line editing by the tty again, as before the shell).
     */
    private String command(Path config) {
        return "env XDG_RUNTIME_DIR='" + tmp.resolve("run") + "' XDG_STATE_HOME='" + tmp.resolve("state") + "' NO_COLOR=1 '"
                + BinProcess.REPO.resolve("bin/taskmasterd") + "' --allow-root --shell -c '" + config + "'; "
                + "echo \"[taskmasterd exited with $?]\"; "
                + "if stty -a | tr ' ;' '\\n\\n' | grep -qx icanon; then echo '[terminal restored]'; fi; echo '[end]'";
    }

    private BinProcess.Result ctl(String... args) throws Exception {
        return BinProcess.ctl(tmp, env(), LIMIT, args);
    }

    private static long daemonPid(String screen) {
        Matcher m = DAEMON_PID.matcher(screen.replace("\n", ""));
        assertThat(m.find()).as("the daemon's start line on the screen:\n%s", screen).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** The daemon's children now, to check afterwards that none outlived it. */
    private static List<ProcessHandle> children(long daemon) {
        return ProcessHandle.of(daemon).map(h -> h.descendants().toList()).orElse(List.of());
    }

    private static void awaitGone(List<ProcessHandle> processes) throws InterruptedException {
        for (ProcessHandle p : processes) {
            BinProcess.await("pid " + p.pid() + " to be gone", LIMIT, () -> !p.isAlive());
        }
    }

    /**
     * If a test failed before its daemon stopped: SIGTERM it by its pidfile and wait for it and its
     * children (closing tmux would send SIGHUP, which a daemon takes as "reload", not "stop").
     */
    private void stopDaemon() throws Exception {
        Path pidfile = tmp.resolve("run/taskmaster/default.pid");
        if (!Files.exists(pidfile)) {
            return;
        }
        Optional<ProcessHandle> daemon = ProcessHandle.of(Long.parseLong(Files.readString(pidfile).strip()));
        if (daemon.isEmpty()) {
            return;
        }
        List<ProcessHandle> kids = daemon.get().descendants().toList();
        daemon.get().destroy();
        BinProcess.await("the daemon to stop", LIMIT, () -> !daemon.get().isAlive());
        awaitGone(kids);
    }

    /** What a test does once its daemon runs, with the shell at its prompt and the daemon's three children up. */
    private interface Scenario {
        void run(Tmux tmux, long daemon, List<ProcessHandle> children) throws Exception;
    }

    /** Runs the daemon with its shell in tmux, then {@code scenario}; stops whatever is left, whatever happens. */
    private void inTheShell(Scenario scenario) throws Exception {
        Tmux.require();
        List<ProcessHandle> children = new ArrayList<>();
        try (Tmux tmux = new Tmux("daemonshell", env())) {
            try {
                tmux.start(command(config()), 160, 40);
                long daemon = daemonPid(tmux.awaitPrompt("taskmaster>"));
                BinProcess.await("three children", LIMIT, () -> children(daemon).size() == 3);
                children.addAll(children(daemon));
                scenario.run(tmux, daemon, children);
            } finally {
                stopDaemon();
                children.forEach(ProcessHandle::destroyForcibly);
            }
        }
    }

    @Test
    void theShellControlsItsDaemonAndShutdownEndsBoth() throws Exception {
        inTheShell((tmux, daemon, children) -> {
            tmux.type("status");
            tmux.press("Enter");
            String status = tmux.awaitScreen("the status table and a new prompt",
                    s -> s.contains("worker:1 ") && Tmux.lastLine(s).equals("taskmaster>"));
            assertThat(status).containsPattern("(?m)^web +RUNNING ").containsPattern("(?m)^worker:0 +RUNNING ")
                    .containsPattern("(?m)^worker:1 +RUNNING ");

            // A log line that comes while a line is half typed lands above the prompt; the line stays.
            tmux.type("status wor");
            tmux.awaitPrompt("taskmaster> status wor");
            assertThat(ctl("stop", "web").code()).isZero();
            String logged = tmux.awaitScreen("web's stop logged above the half-typed line",
                    s -> s.contains("web: STOPPING -> STOPPED") && Tmux.lastLine(s).equals("taskmaster> status wor"));
            assertThat(logged.indexOf("web: STOPPING -> STOPPED")).isGreaterThan(logged.indexOf("worker:1 "));
            tmux.type("ker:0");
            tmux.press("Enter");
            tmux.awaitScreen("worker:0's status", s -> s.contains("taskmaster> status worker:0\n")
                    && s.lines().anyMatch(l -> l.matches("worker:0 +RUNNING .*")) && Tmux.lastLine(s).equals("taskmaster>"));

            tmux.type("shutdown");
            tmux.press("Enter");
            String ended = tmux.awaitScreen("the daemon to end", s -> s.contains("[end]"));
            assertThat(ended).contains("taskmasterd is shutting down", "taskmasterd stopped", "[taskmasterd exited with 0]")
                    .contains("[terminal restored]");
            awaitGone(children);
            assertThat(ProcessHandle.of(daemon).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(tmp.resolve("run/taskmaster/default.sock")).doesNotExist();
        });
    }

    @Test
    void ctrlDLeavesTheShellAndStopsTheDaemon() throws Exception {
        inTheShell((tmux, daemon, children) -> {
            tmux.press("C-d");
            String ended = tmux.awaitScreen("the daemon to end", s -> s.contains("[end]"));
            assertThat(ended).contains("the control shell was closed: stopping every process")
                    .contains("[taskmasterd exited with 0]").contains("[terminal restored]");
            awaitGone(children);
        });
    }

    @Test
    void sigtermWhileTheShellWaitsGivesTheTerminalBack() throws Exception {
        inTheShell((tmux, daemon, children) -> {
            tmux.type("stat");
            tmux.awaitPrompt("taskmaster> stat");
            assertThat(ProcessHandle.of(daemon).orElseThrow().destroy()).isTrue(); // SIGTERM
            String ended = tmux.awaitScreen("the daemon to end", s -> s.contains("[end]"));
            assertThat(ended).contains("received SIGTERM, stopping every process")
                    .contains("[taskmasterd exited with 0]").contains("[terminal restored]");
            awaitGone(children);
        });
    }

    @Test
    void withoutATerminalTheShellIsRefusedAtOnce() throws Exception {
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "--shell", "-c",
                config().toString())) {
            assertThat(daemon.waitFor(LIMIT)).isEqualTo(2);
            assertThat(daemon.stderr().strip()).isEqualTo("taskmasterd: --shell needs a terminal on standard input and output");
            assertThat(tmp.resolve("run/taskmaster/default.sock")).doesNotExist();
        }
    }
}
