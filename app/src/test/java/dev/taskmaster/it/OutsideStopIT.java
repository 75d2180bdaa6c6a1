package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.testkit.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * State changed behind the daemon's back, through the real binaries: {@code kill -STOP} and
 * {@code kill -CONT} sent to a program's {@code sleep} by the test (not through the daemon) show
 * in {@code taskmasterctl status} as PAUSED and RUNNING, again and again; a continue from outside
 * after {@code taskmasterctl pause} makes it RUNNING; the daemon's own pause and resume are one
 * transition each.
 */
class OutsideStopIT {

    static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1");
    }

    private BinProcess.Result ctl(String... args) throws Exception {
        return BinProcess.ctl(tmp, env(), LIMIT, args);
    }

    private void awaitState(String state) throws Exception {
        String[] last = {""};
        try {
            Poll.until("s to be " + state, LIMIT, () -> {
                try {
                    last[0] = ctl("status", "s").out();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                return last[0].lines().anyMatch(l -> l.matches("s +" + state + " .*"));
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last status: " + last[0], e);
        }
    }

    private static void kill(String signal, long pid) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertThat(k.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(k.exitValue()).isZero();
    }

    @Test
    void stopsAndContinuesFromOutsideShowInStatus() throws Exception {
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, "programs:\n  s:\n    cmd: sleep 1000\n    starttime: 0\n");
        BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString());
        try {
            awaitState("RUNNING");
            long pid = Long.parseLong(ctl("pid", "s").out().trim());
            for (int i = 0; i < 5; i++) {
                kill("STOP", pid);
                awaitState("PAUSED");
                kill("CONT", pid);
                awaitState("RUNNING");
            }
            assertThat(ctl("pause", "s").code()).isZero();
            awaitState("PAUSED");
            Poll.until("the sleep to be stopped", LIMIT, () -> stopped(pid));
            kill("CONT", pid);
            awaitState("RUNNING");
            assertThat(ctl("pause", "s").code()).isZero();
            assertThat(ctl("resume", "s").code()).isZero();
            awaitState("RUNNING");
            String events = ctl("events", "--since", "1", "s").out();
            assertThat(events).contains("stopped by SIGSTOP from outside").contains("continued by SIGCONT from outside");
            Path log = tmp.resolve("state/taskmaster/default/taskmasterd.log");
            // Five stops from outside, two pauses: seven transitions to PAUSED, none doubled by the kernel's reports.
            Poll.until("the last resume in the log", LIMIT, () -> count(log, "s: PAUSED -> RUNNING") == 7);
            assertThat(count(log, "s: RUNNING -> PAUSED")).isEqualTo(7);
            assertThat(count(log, "from outside")).isEqualTo(11);
        } finally {
            BinProcess.shutdown(daemon, tmp, env(), LIMIT);
        }
    }

    private static boolean stopped(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static long count(Path log, String what) {
        try {
            return Files.readString(log).lines().filter(l -> l.contains(what)).count();
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
