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
 * The output verbs of the real bin/taskmasterctl against the real bin/taskmasterd: tail, logs and
 * maintail read what programs printed; attach steps into a shell on a pseudo-terminal (in tmux),
 * types, sees the echo and the window size, detaches, and the shell runs on with the same pid.
 */
class OutputCliIT {

    static final Duration LIMIT = Tmux.LIMIT;

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1");
    }

    private BinProcess.Result ctl(String... args) throws Exception {
        return BinProcess.ctl(tmp, env(), LIMIT, args);
    }

    private BinProcess daemon() throws Exception {
        Path config = Files.writeString(tmp.resolve("t.yaml"), """
                programs:
                  counter:
                    cmd: "sh -c 'for i in $(seq 1 50); do echo count-$i; done; echo oops >&2; exec sleep 1000'"
                    starttime: 0
                  other:
                    cmd: "sh -c 'echo other says hi; exec sleep 1000'"
                    starttime: 0
                  console:
                    cmd: /bin/sh -i
                    tty: true
                    starttime: 0
                    env:
                      PS1: "console$ "
                """);
        BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
        BinProcess.await("every program RUNNING with its output", LIMIT, () -> {
            try {
                // Every line the tests read: counter's last on each stream, and other's.
                return ctl("status").code() == 0 && ctl("tail", "-n", "1", "counter").out().equals("count-50\n")
                        && ctl("tail", "counter", "stderr").out().equals("oops\n")
                        && ctl("tail", "-n", "1", "other").out().equals("other says hi\n");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        return daemon;
    }

    @Test
    void tailLogsMaintailAndUsageShowWhatWasPrinted() throws Exception {
        try (BinProcess daemon = daemon()) {
            try {
                BinProcess.Result tail = ctl("tail", "counter");
                assertThat(tail.out().lines().toList()).containsExactly("count-41", "count-42", "count-43", "count-44", "count-45",
                        "count-46", "count-47", "count-48", "count-49", "count-50");
                assertThat(tail.code()).isZero();
                assertThat(ctl("tail", "-n", "3", "counter", "both").out()).isEqualTo("count-49\ncount-50\noops\n");
                assertThat(ctl("tail", "counter", "stderr").out()).isEqualTo("oops\n");
                assertThat(ctl("tail", "-c", "6", "counter").out()).isEqualTo("nt-50\n");

                BinProcess.Result unknown = ctl("tail", "countr");
                assertThat(unknown.code()).isEqualTo(4);
                assertThat(unknown.err()).contains("counter");

                BinProcess.Result logs = ctl("logs", "-n", "1", "counter", "other");
                assertThat(logs.out().lines().toList()).containsExactly("counter | oops", "other   | other says hi");

                // CPU and memory come with the status (read from /proc when asked).
                BinProcess.Result json = ctl("status", "--json", "other");
                assertThat(json.out()).containsPattern("\"rssBytes\":[1-9][0-9]{4,},").containsPattern("\"cpuTime\":[0-9]+(\\.[0-9]+)?,");

                BinProcess.Result maintail = ctl("maintail", "-n", "50");
                assertThat(maintail.out()).contains("counter: STOPPED -> STARTING").contains("taskmasterd ").endsWith("\n");
                assertThat(maintail.code()).isZero();
            } finally {
                stop(daemon);
            }
        }
    }

    @Test
    void attachTypesIntoAShellOnATerminalAndDetachesLeavingItRunning() throws Exception {
        Tmux.require();
        try (BinProcess daemon = daemon(); Tmux tmux = new Tmux("outputcli", env())) {
            try {
                long pid = pid("console");
                String command = "env XDG_RUNTIME_DIR='" + tmp.resolve("run") + "' NO_COLOR=1 '"
                        + BinProcess.REPO.resolve("bin/taskmasterctl") + "' attach console; echo \"[attach exited with $?]\"";
                tmux.start(command, 100, 30);
                tmux.awaitScreen("the attach banner", s -> s.contains("[attached to console (terminal); Ctrl-] detaches]"));
                tmux.type("echo hel''lo from $(tty | cut -c1-8)");
                tmux.press("Enter");
                tmux.awaitScreen("the shell's answer", s -> s.contains("hello from /dev/pts"));
                tmux.checkWindowSizeFollows();
                tmux.press("C-]");
                String after = tmux.awaitScreen("the detach", s -> s.contains("[attach exited with "));
                assertThat(after).contains("[detached from console; it keeps running]").contains("[attach exited with 0]");
                assertThat(pid("console")).as("the same shell runs on").isEqualTo(pid);

                // Attaching again shows what the shell printed before: its recent screen.
                BinProcess.Result again = ctl("tail", "-n", "20", "console");
                assertThat(again.out()).contains("hello from /dev/pts");
            } finally {
                stop(daemon);
            }
        }
    }

    private long pid(String name) throws Exception {
        BinProcess.Result pid = ctl("pid", name);
        assertThat(pid.code()).as(pid.err()).isZero();
        return Long.parseLong(pid.out().strip());
    }

    private void stop(BinProcess daemon) throws Exception {
        BinProcess.shutdown(daemon, tmp, env(), LIMIT);
    }
}
