package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code taskmasterctl shutdown} with {@code taskmasterctl events --follow} clients open (issue
 * 11): the real daemon ends their streams as it goes, so each prints the shutdown event and exits
 * 0 as docs/cli.md says, and the daemon exits without waiting for them.
 */
class ShutdownStreamsIT {

    static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1");
    }

    @RepeatedTest(2)
    void followersEndWithTheShutdownEventAndExitZeroAndTheDaemonExits() throws Exception {
        Path config = Files.writeString(tmp.resolve("t.yaml"), """
                programs:
                  idle:
                    cmd: sleep 1000
                    autostart: false
                """);
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            BinProcess.await("the daemon to answer", LIMIT, () -> answers());
            try (BinProcess first = follower(); BinProcess second = follower()) {
                followThroughShutdown(daemon, first, second);
            }
        }
    }

    private void followThroughShutdown(BinProcess daemon, BinProcess first, BinProcess second) throws Exception {
        for (BinProcess f : List.of(first, second)) {
            BinProcess.await("the follower's snapshot", LIMIT, () -> f.stdout().contains("-- snapshot at #"));
        }
        BinProcess.Result shutdown = BinProcess.ctl(tmp, env(), LIMIT, "shutdown");
        assertThat(shutdown.code()).isZero();
        assertThat(shutdown.out()).isEqualTo("taskmasterd is shutting down\n");

        for (BinProcess f : List.of(first, second)) {
            assertThat(f.waitFor(LIMIT)).as("a follower's exit code; stderr: %s", f.stderr()).isZero();
            assertThat(f.stderr()).isEmpty();
            // Nothing runs, so the shutdown event is the last thing the journal says.
            assertThat(f.stdout().lines().toList().getLast())
                    .matches("#\\d+ .* taskmasterd shutting down: Shutdown requested \\(by .+\\)");
        }
        assertThat(daemon.waitFor(LIMIT)).isZero();
        assertThat(Files.readString(tmp.resolve("state/taskmaster/default/taskmasterd.log"))).contains("taskmasterd stopped");
    }

    private boolean answers() {
        try {
            return BinProcess.ctl(tmp, env(), LIMIT, "pid").code() == 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private BinProcess follower() {
        return BinProcess.start(tmp, env(), "bin/taskmasterctl", "events", "--follow");
    }
}
