package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.taskmaster.proto.v1.HealthStatus;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.testkit.Poll;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every probe kind against real things: a TCP listener and an HTTP server this test runs, a
 * program that stops touching its heartbeat, commands run as the program runs (its env, its
 * directory, its user) and one that hangs. Health is read through the API, as clients see it.
 */
class HealthChecksLiveTest {

    private static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static ProcessInfo info(LiveDaemon d, String name) {
        return d.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets(name).build()).getProcesses(0);
    }

    private static HealthStatus health(LiveDaemon d, String name) {
        ProcessInfo p = info(d, name);
        return p.hasHealth() ? p.getHealth().getStatus() : HealthStatus.HEALTH_STATUS_UNSPECIFIED;
    }

    private static void untilHealth(LiveDaemon d, String name, HealthStatus status) throws InterruptedException {
        Poll.until(name + " " + status, LIMIT, () -> health(d, name) == status);
    }

    private static List<String> healthChanges(LiveDaemon d, String name) {
        return d.journal.since(0).stream().filter(e -> e instanceof EngineEvent.HealthChanged h && h.process().equals(name))
                .map(e -> (EngineEvent.HealthChanged) e).map(h -> h.from() + ">" + h.to()).toList();
    }

    @Test
    void tcpFollowsARealListener() throws Exception {
        ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        int port = listener.getLocalPort();
        try (LiveDaemon d = new LiveDaemon(dir, """
                programs:
                  app:
                    cmd: sleep 600
                    starttime: 0
                    health_check: {tcp: "127.0.0.1:%d", interval: 100ms, timeout: 1s, retries: 2}
                """.formatted(port))) {
            untilHealth(d, "app", HealthStatus.HEALTH_STATUS_HEALTHY);
            assertThat(info(d, "app").getHealth().getLastProbeOutput()).isEqualTo("connected to 127.0.0.1:" + port);
            listener.close();
            untilHealth(d, "app", HealthStatus.HEALTH_STATUS_UNHEALTHY);
            assertThat(info(d, "app").getHealth().getLastProbeOutput()).startsWith("cannot connect to 127.0.0.1:" + port);
            assertThat(info(d, "app").getHealth().getConsecutiveFailures()).isGreaterThanOrEqualTo(2);
            assertThat(healthChanges(d, "app")).containsExactly("INACTIVE>STARTING", "STARTING>HEALTHY", "HEALTHY>UNHEALTHY");
            assertThat(info(d, "app").getState()).as("on_unhealthy none").isEqualTo(dev.taskmaster.proto.v1.ProcessState.PROCESS_STATE_RUNNING);
        } finally {
            listener.close();
        }
    }

    @Test
    void httpFollowsARealServersStatus() throws Exception {
        AtomicInteger status = new AtomicInteger(204);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/healthz", ex -> {
            ex.sendResponseHeaders(status.get(), -1);
            ex.close();
        });
        server.start();
        int port = server.getAddress().getPort();
        try (LiveDaemon d = new LiveDaemon(dir, """
                programs:
                  web:
                    cmd: sleep 600
                    starttime: 0
                    health_check: {http: "http://127.0.0.1:%d/healthz", interval: 100ms, retries: 1}
                """.formatted(port))) {
            untilHealth(d, "web", HealthStatus.HEALTH_STATUS_HEALTHY);
            assertThat(info(d, "web").getHealth().getLastProbeOutput()).isEqualTo("HTTP 204 from http://127.0.0.1:" + port + "/healthz");
            status.set(503);
            untilHealth(d, "web", HealthStatus.HEALTH_STATUS_UNHEALTHY);
            assertThat(info(d, "web").getHealth().getLastProbeOutput()).startsWith("HTTP 503");
            status.set(302); // a redirect is not followed, and counts as healthy
            untilHealth(d, "web", HealthStatus.HEALTH_STATUS_HEALTHY);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aProgramThatStopsTouchingItsHeartbeatIsRestarted() throws Exception {
        Path beat = dir.resolve("beat");
        try (LiveDaemon d = new LiveDaemon(dir, """
                programs:
                  worker:
                    cmd: "sh -c 'for i in 1 2 3 4 5 6 7 8; do touch \\"$TASKMASTER_HEARTBEAT_FILE\\"; sleep 0.2; done; exec sleep 600'"
                    starttime: 0
                    stoptime: 2
                    health_check:
                      heartbeat_file: %s
                      max_age: 700ms
                      interval: 200ms
                      retries: 2
                      on_unhealthy: restart
                """.formatted(beat))) {
            int first = info(d, "worker").getPid();
            untilHealth(d, "worker", HealthStatus.HEALTH_STATUS_HEALTHY);
            assertThat(Files.exists(beat)).as("the program got the path in $TASKMASTER_HEARTBEAT_FILE").isTrue();
            Poll.until("a restart after the heartbeat stopped", LIMIT, () -> info(d, "worker").getRestartCount() == 1
                    && info(d, "worker").getPid() != first && info(d, "worker").getPid() != 0);
            assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false)).as("the old one is gone").isFalse();
            assertThat(healthChanges(d, "worker")).containsSubsequence("STARTING>HEALTHY", "HEALTHY>UNHEALTHY",
                    "UNHEALTHY>INACTIVE", "INACTIVE>STARTING");
            EngineEvent.StateChanged stop = d.journal.since(0).stream().filter(e -> e instanceof EngineEvent.StateChanged c
                    && c.to() == dev.taskmaster.server.engine.ProcessState.STOPPING).map(e -> (EngineEvent.StateChanged) e)
                    .findFirst().orElseThrow();
            assertThat(stop.reason()).startsWith("unhealthy (2 probes in a row failed: heartbeat ").endsWith(
                    "; restarting: stopping with SIGTERM");
            untilHealth(d, "worker", HealthStatus.HEALTH_STATUS_HEALTHY);
        }
    }

    @Test
    void aCommandProbeRunsWithTheProgramsEnvAndDirectory() throws Exception {
        Path work = Files.createDirectory(dir.resolve("work"));
        Files.writeString(work.resolve("ready"), "");
        try (LiveDaemon d = new LiveDaemon(dir, """
                programs:
                  q:
                    cmd: sleep 600
                    starttime: 0
                    workingdir: %s
                    env: {FLAG: "on"}
                    health_check:
                      cmd: "sh -c 'test \\"$FLAG\\" = on && test -e ready && echo in $(pwd) as $TASKMASTER_PROCESS_NAME'"
                      interval: 100ms
                      retries: 1
                """.formatted(work))) {
            untilHealth(d, "q", HealthStatus.HEALTH_STATUS_HEALTHY);
            assertThat(info(d, "q").getHealth().getLastProbeOutput()).isEqualTo("exited with code 0: in " + work + " as q");
            Files.delete(work.resolve("ready"));
            untilHealth(d, "q", HealthStatus.HEALTH_STATUS_UNHEALTHY);
            assertThat(info(d, "q").getHealth().getLastProbeOutput()).isEqualTo("exited with code 1");
        }
    }

    @Test
    void aHangingCommandProbeIsKilledAtTimeoutWithWhatItStarted() throws Exception {
        Path pids = dir.resolve("pids");
        try (LiveDaemon d = new LiveDaemon(dir, """
                programs:
                  h:
                    cmd: sleep 600
                    starttime: 0
                    health_check:
                      cmd: "sh -c 'sleep 600 & echo $! >> %s; wait'"
                      interval: 100ms
                      timeout: 500ms
                      retries: 1
                """.formatted(pids))) {
            untilHealth(d, "h", HealthStatus.HEALTH_STATUS_UNHEALTHY);
            String said = info(d, "h").getHealth().getLastProbeOutput();
            assertThat(said).isEqualTo("did not finish within 0.500 s; killed");
            Poll.until("a second probe began", LIMIT, () -> lines(pids).size() >= 2);
            long sleeper = Long.parseLong(lines(pids).getFirst());
            Poll.until("the first probe's sleep killed", LIMIT,
                    () -> ProcessHandle.of(sleeper).map(h -> !h.isAlive()).orElse(true));
        }
    }

    @Test
    void aCommandProbeRunsAsTheProgramsUser() throws Exception {
        Assumptions.assumeTrue("0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).strip()),
                "needs root to run a program as another user");
        String user = "tm-prober";
        if (new ProcessBuilder("id", "-u", user).start().waitFor() != 0) {
            int made = new ProcessBuilder("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user)
                    .inheritIO().start().waitFor();
            assertThat(made).as("useradd").isIn(0, 9); // 9: made meanwhile by another run
        }
        int uid = dev.taskmaster.server.os.Users.lookup(user).orElseThrow().uid();
        try (LiveDaemon d = new LiveDaemon(dir, """
                programs:
                  u:
                    cmd: sleep 600
                    starttime: 0
                    user: %s
                    health_check: {cmd: "sh -c 'echo $(id -u) $USER'", interval: 100ms, retries: 1}
                """.formatted(user))) {
            untilHealth(d, "u", HealthStatus.HEALTH_STATUS_HEALTHY);
            assertThat(info(d, "u").getHealth().getLastProbeOutput()).isEqualTo("exited with code 0: " + uid + " " + user);
        }
    }

    private static List<String> lines(Path f) {
        try {
            return Files.exists(f) ? Files.readAllLines(f).stream().filter(l -> !l.isBlank()).toList() : List.of();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }
}
