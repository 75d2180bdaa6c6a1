package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real bin/taskmasterctl shell at a real pseudo-terminal (a detached tmux session),
 * controlling the real bin/taskmasterd, typed at as a person does: keys in, screen read back.
 * Needs tmux (CI installs it); without it the test fails and says so.
 */
class ShellIT {

    static final Duration LIMIT = Tmux.LIMIT;

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1");
    }

    private BinProcess.Result ctl(String... args) throws Exception {
        return BinProcess.ctl(tmp, env(), LIMIT, args);
    }

    @Test
    void aPersonUsesTheShellAtATerminal() throws Exception {
        Tmux.require();
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
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
                Tmux tmux = new Tmux("shellit", env())) {
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
                tmux.start(command, 120, 30);
                tmux.awaitPrompt("taskmaster>");

                tmux.type("status");
                tmux.press("Enter");
                String status = tmux.awaitScreen("the status table and a new prompt",
                        s -> s.contains("worker:1 ") && Tmux.lastLine(s).equals("taskmaster>"));
                assertThat(status).containsPattern("(?m)^NAME +STATE +PID +UPTIME")
                        .containsPattern("(?m)^web +RUNNING ").containsPattern("(?m)^worker:0 +RUNNING ")
                        .containsPattern("(?m)^worker:1 +RUNNING ");

                // A partial verb, Tab: completed (with its space), and it runs.
                tmux.type("vers");
                tmux.press("Tab");
                tmux.awaitPrompt("taskmaster> version");
                tmux.press("Enter");
                tmux.awaitScreen("the daemon's version", s -> s.contains("taskmasterd ") && s.contains("(instance default, pid ")
                        && Tmux.lastLine(s).equals("taskmaster>"));

                // A partial program name after a verb, Tab: completed from the daemon's live names.
                tmux.type("stop we");
                tmux.press("Tab");
                tmux.awaitPrompt("taskmaster> stop web");
                tmux.press("Enter");
                tmux.awaitScreen("web stopped", s -> s.contains("web: stopped") && Tmux.lastLine(s).equals("taskmaster>"));

                // Ctrl-C on a half-typed line: the line is dropped, a fresh prompt comes, nothing ran.
                tmux.type("resta");
                tmux.awaitPrompt("taskmaster> resta");
                tmux.press("C-c");
                tmux.awaitScreen("a fresh prompt under the dropped line", s -> Tmux.lastLine(s).equals("taskmaster>")
                        && s.contains("taskmaster> resta\n"));
                tmux.type("status web");
                tmux.press("Enter");
                String after = tmux.awaitScreen("web's status", s -> s.contains("taskmaster> status web\n")
                        && s.lines().anyMatch(l -> l.matches("web +STOPPED .*")) && Tmux.lastLine(s).equals("taskmaster>"));
                assertThat(after).doesNotContain("Unmatched argument", "restastatus");
                assertThat(ctl("status", "worker").code()).isZero(); // nothing was restarted: the workers run on

                tmux.type("exit");
                tmux.press("Enter");
                String ended = tmux.awaitScreen("the shell to end", s -> s.contains("[taskmasterctl exited with "));
                assertThat(ended).contains("taskmaster> exit\n[taskmasterctl exited with 0]");
                tmux.awaitPaneDead();

                List<String> history = Files.readAllLines(tmp.resolve("state/taskmaster/ctl_history"));
                assertThat(history).containsExactly("status", "version", "stop web", "status web", "exit");
            } finally {
                tmux.close();
                stop(daemon);
            }
        }
    }

    private void stop(BinProcess daemon) throws Exception {
        BinProcess.shutdown(daemon, tmp, env(), LIMIT);
    }
}
