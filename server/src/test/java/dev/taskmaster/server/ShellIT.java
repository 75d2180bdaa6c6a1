package dev.taskmaster.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real bin/taskmasterctl shell at a real pseudo-terminal (a detached tmux session),
 * controlling the real bin/taskmasterd, typed at as a person does: keys in, screen read back.
 * Needs tmux (CI installs it); without it the test fails and says so.
 */
class ShellIT {

    static final Duration LIMIT = Duration.ofSeconds(30);
    private static final String SESSION = "shellit";

    @TempDir
    Path tmp;

    /** One tmux server per run, on its own socket, so nothing is shared with other tmux users. */
    private final String tmuxSocket = "taskmaster-shellit-" + ProcessHandle.current().pid() + "-" + System.nanoTime();

    private Map<String, String> env() {
        return Map.of("XDG_RUNTIME_DIR", tmp.resolve("run").toString(), "XDG_STATE_HOME", tmp.resolve("state").toString(),
                "NO_COLOR", "1");
    }

    private record Run(int code, String out) {}

    /** Runs {@code tmux -L SOCKET ARGS...} to completion. */
    private Run tmux(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("tmux", "-L", tmuxSocket));
        argv.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().remove("TMUX"); // a test run from inside tmux still starts its own server
        pb.environment().put("TERM", "xterm"); // tmux's server dies at once if started with TERM=dumb (CI)
        pb.environment().putAll(env());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("tmux " + String.join(" ", args) + " did not return");
        }
        return new Run(p.exitValue(), out);
    }

    private static void requireTmux() throws InterruptedException {
        try {
            Process p = new ProcessBuilder("tmux", "-V").redirectErrorStream(true).start();
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                return;
            }
        } catch (IOException notInstalled) {
            // below
        }
        throw new AssertionError("ShellIT drives taskmasterctl's shell through a pseudo-terminal with tmux, which is not"
                + " installed (or not on PATH): install it, e.g. apt-get install -y tmux");
    }

    private Run ctl(String... args) throws Exception {
        String[] argv = new String[args.length + 1];
        argv[0] = "bin/taskmasterctl";
        System.arraycopy(args, 0, argv, 1, args.length);
        try (BinProcess p = BinProcess.start(tmp, env(), argv)) {
            int code = p.waitFor(LIMIT);
            return new Run(code, p.stdout() + p.stderr());
        }
    }

    private String screen() throws Exception {
        return tmux("capture-pane", "-p", "-t", SESSION).out();
    }

    /** The line the cursor is on (the last non-blank one; tmux drops trailing blanks). */
    private static String lastLine(String screen) {
        List<String> lines = screen.lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.getLast();
    }

    /** Polls the screen until {@code ok} holds; fails with the last screen after {@link #LIMIT}. */
    private String awaitScreen(String what, Predicate<String> ok) throws Exception {
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

    private String awaitPrompt(String line) throws Exception {
        return awaitScreen("the prompt line \"" + line + "\"", s -> lastLine(s).equals(line));
    }

    private void type(String text) throws Exception {
        assertThat(tmux("send-keys", "-t", SESSION, "-l", text).code()).isZero();
    }

    private void press(String key) throws Exception {
        assertThat(tmux("send-keys", "-t", SESSION, key).code()).isZero();
    }

    @Test
    void aPersonUsesTheShellAtATerminal() throws Exception {
        requireTmux();
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
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            try {
                long deadline = System.nanoTime() + LIMIT.toNanos();
                while (ctl("status").code() != 0) {
                    assertThat(System.nanoTime()).as("every process RUNNING in time; daemon stderr: %s", daemon.stderr())
                            .isLessThan(deadline);
                }
                // sh runs taskmasterctl and then prints how it ended: sh waits for it, so the exit status
                // does not depend on when tmux reaps its child. The trap keeps sh alive through Ctrl-C; a
                // trapped signal is back to its default in what sh starts, so Ctrl-C reaches taskmasterctl
                // as at any terminal.
                String command = "trap true INT; env XDG_RUNTIME_DIR='" + tmp.resolve("run") + "' XDG_STATE_HOME='"
                        + tmp.resolve("state") + "' NO_COLOR=1 '" + BinProcess.REPO.resolve("bin/taskmasterctl") + "'; "
                        + "echo \"[taskmasterctl exited with $?]\"";
                // remain-on-exit: the pane and its last screen stay after the shell ends.
                Run started = tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "30", command,
                        ";", "set-window-option", "-t", SESSION, "remain-on-exit", "on");
                assertThat(started.code()).as(started.out()).isZero();
                awaitPrompt("taskmaster>");

                type("status");
                press("Enter");
                String status = awaitScreen("the status table and a new prompt",
                        s -> s.contains("worker:1 ") && lastLine(s).equals("taskmaster>"));
                assertThat(status).containsPattern("(?m)^NAME +STATE +PID +UPTIME")
                        .containsPattern("(?m)^web +RUNNING ").containsPattern("(?m)^worker:0 +RUNNING ")
                        .containsPattern("(?m)^worker:1 +RUNNING ");

                // A partial verb, Tab: completed (with its space), and it runs.
                type("vers");
                press("Tab");
                awaitPrompt("taskmaster> version");
                press("Enter");
                awaitScreen("the daemon's version", s -> s.contains("taskmasterd ") && s.contains("(instance default, pid ")
                        && lastLine(s).equals("taskmaster>"));

                // A partial program name after a verb, Tab: completed from the daemon's live names.
                type("stop we");
                press("Tab");
                awaitPrompt("taskmaster> stop web");
                press("Enter");
                awaitScreen("web stopped", s -> s.contains("web: stopped") && lastLine(s).equals("taskmaster>"));

                // Ctrl-C on a half-typed line: the line is dropped, a fresh prompt comes, nothing ran.
                type("resta");
                awaitPrompt("taskmaster> resta");
                press("C-c");
                awaitScreen("a fresh prompt under the dropped line", s -> lastLine(s).equals("taskmaster>")
                        && s.contains("taskmaster> resta\n"));
                type("status web");
                press("Enter");
                String after = awaitScreen("web's status", s -> s.contains("taskmaster> status web\n")
                        && s.lines().anyMatch(l -> l.matches("web +STOPPED .*")) && lastLine(s).equals("taskmaster>"));
                assertThat(after).doesNotContain("Unmatched argument", "restastatus");
                assertThat(ctl("status", "worker").code()).isZero(); // nothing was restarted: the workers run on

                type("exit");
                press("Enter");
                String ended = awaitScreen("the shell to end", s -> s.contains("[taskmasterctl exited with "));
                assertThat(ended).contains("taskmaster> exit\n[taskmasterctl exited with 0]");
                awaitScreen("the pane to close", s -> {
                    try {
                        return tmux("display-message", "-p", "-t", SESSION, "#{pane_dead}").out().strip().equals("1");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });

                List<String> history = Files.readAllLines(tmp.resolve("state/taskmaster/ctl_history"));
                assertThat(history).containsExactly("status", "version", "stop web", "status web", "exit");
            } finally {
                tmux("kill-server");
                stop(daemon);
            }
        }
    }

    /** Shuts the daemon down as a user would, so its processes go with it; kills whatever is left. */
    private void stop(BinProcess daemon) throws Exception {
        List<ProcessHandle> children = ProcessHandle.of(daemon.pid()).map(h -> h.descendants().toList()).orElse(List.of());
        try {
            ctl("shutdown");
            daemon.waitFor(LIMIT);
            for (ProcessHandle child : children) {
                BinProcess.await("pid " + child.pid() + " to be gone", LIMIT, () -> !child.isAlive());
            }
        } finally {
            children.forEach(ProcessHandle::destroyForcibly);
        }
    }
}
