package dev.taskmaster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health checks through the real binaries: bin/taskmasterd probes a real TCP listener and a
 * program's heartbeat, bin/taskmasterctl shows the HEALTH column, --json and the events, and
 * the daemon log says each change.
 */
class HealthIT {

    static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private Map<String, String> env() {
        return BinProcess.env(tmp, "NO_COLOR", "1");
    }

    private BinProcess.Result ctl(String... args) throws Exception {
        return BinProcess.ctl(tmp, env(), LIMIT, args);
    }

    private static String row(BinProcess.Result status, String name) {
        return status.out().lines().filter(l -> l.startsWith(name + " ")).findFirst().orElse("");
    }

    private void awaitRow(String name, String pattern) throws Exception {
        BinProcess.Result[] last = new BinProcess.Result[1];
        try {
            dev.taskmaster.testkit.Poll.until(name + " to match " + pattern, LIMIT, () -> {
                try {
                    last[0] = ctl("status");
                } catch (Exception e) {
                    throw new IllegalStateException("taskmasterctl status failed", e);
                }
                return row(last[0], name).matches(pattern);
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "; last status: " + last[0], e);
        }
    }

    @Test
    void statusShowsHealthAndItFollowsTheProbes() throws Exception {
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Path beat = tmp.resolve("beat");
        Path config = tmp.resolve("t.yaml");
        Files.writeString(config, """
                programs:
                  db:
                    cmd: sleep 1000
                    starttime: 0
                    health_check: {tcp: "127.0.0.1:%d", interval: 200ms, retries: 2}
                  worker:
                    cmd: "sh -c 'while test ! -e %s; do touch \\"$TASKMASTER_HEARTBEAT_FILE\\"; sleep 0.2; done; exec sleep 1000'"
                    starttime: 0
                    health_check: {heartbeat_file: %s, max_age: 1s, interval: 200ms, retries: 2}
                  plain:
                    cmd: sleep 1000
                    starttime: 0
                """.formatted(listener.getLocalPort(), tmp.resolve("stop-beating"), beat));
        try (BinProcess daemon = BinProcess.start(tmp, env(), "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            awaitRow("db", "db +RUNNING +HEALTHY .*");
            awaitRow("worker", "worker +RUNNING +HEALTHY .*");
            BinProcess.Result status = ctl("status");
            assertThat(status.out().lines().findFirst().orElseThrow()).matches("NAME +STATE +HEALTH +PID +UPTIME +RESTARTS +DESCRIPTION");
            assertThat(row(status, "plain")).matches("plain +RUNNING +- +[0-9]+ .*");

            listener.close();
            Files.writeString(tmp.resolve("stop-beating"), "");
            awaitRow("db", "db +RUNNING +UNHEALTHY .*");
            awaitRow("worker", "worker +RUNNING +UNHEALTHY .*");

            BinProcess.Result json = ctl("status", "--json", "db");
            assertThat(json.code()).isEqualTo(0);
            assertThat(json.out()).contains("\"health\":{\"status\":\"UNHEALTHY\"").contains("cannot connect to 127.0.0.1:");
            BinProcess.Result events = ctl("events", "worker");
            assertThat(events.out()).contains("UNHEALTHY");
            Path log = tmp.resolve("state/taskmaster/default/taskmasterd.log");
            dev.taskmaster.testkit.Poll.until("the change in the daemon log", LIMIT, () -> {
                try {
                    return Files.readString(log).contains("worker: health HEALTHY -> UNHEALTHY: 2 probes in a row failed: heartbeat");
                } catch (java.io.IOException e) {
                    return false;
                }
            });
        } finally {
            listener.close();
        }
    }
}
