package dev.taskmaster.cli;

import static dev.taskmaster.cli.Fixtures.exited;
import static dev.taskmaster.cli.Fixtures.fatal;
import static dev.taskmaster.cli.Fixtures.running;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusCommandTest extends CtlTest {

    private static final ListProcessesResponse MIXED = ListProcessesResponse.newBuilder()
            .addProcesses(running("web:0", 1234, 62))
            .addProcesses(fatal("web:1", "/usr/bin/nginx: permission denied (EACCES)", 3))
            .addProcesses(running("db", 88, 3723))
            .addProcesses(exited("job", 0, true))
            .build();

    @Test
    void printsAnAlignedTableWithoutColourWhenStdoutIsNotATerminal() {
        daemon.answer("ListProcesses", MIXED);

        Result r = run("status");

        assertThat(r.out()).isEqualTo("""
                NAME   STATE    PID   UPTIME   RESTARTS  DESCRIPTION
                web:0  RUNNING  1234  0:01:02  0
                web:1  FATAL    -     -        3         spawn error: /usr/bin/nginx: permission denied (EACCES)
                db     RUNNING  88    1:02:03  0
                job    EXITED   -     -        1         exited with code 0 (expected)
                """);
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).as("some process is not RUNNING").isEqualTo(ExitCodes.NOT_RUNNING);
    }

    // Issue 16: "a GROUP column (or group:name), no DESCRIPTION repeating pid and uptime, -o wide|json|name".
    @Test
    void aGroupedProcessIsShownAsGroupColonNameAndWideAddsGroupAndProgram() {
        ListProcessesResponse grouped = ListProcessesResponse.newBuilder()
                .addProcesses(running("db", 88, 3723).toBuilder().setGroup("data")
                        .setDescription("pid 88, uptime 1:02:03, adopted (output not captured)"))
                .addProcesses(running("web:0", 7, 5))
                .build();
        daemon.answer("ListProcesses", grouped);

        assertThat(run("status").outLines()).containsExactly(
                "NAME     STATE    PID  UPTIME   RESTARTS  DESCRIPTION",
                "data:db  RUNNING  88   1:02:03  0         adopted (output not captured)",
                "web:0    RUNNING  7    0:00:05  0");
        assertThat(run("status", "-o", "wide").outLines()).containsExactly(
                "NAME   GROUP  PROGRAM  STATE    PID  UPTIME   RESTARTS  DESCRIPTION",
                "db     data   db       RUNNING  88   1:02:03  0         pid 88, uptime 1:02:03, adopted (output not captured)",
                "web:0  web    web      RUNNING  7    0:00:05  0         pid 7, uptime 0:00:05");
        Result names = run("status", "-o", "name");
        assertThat(names.out()).isEqualTo("db\nweb:0\n");
        assertThat(names.exit()).isZero();
        assertThat(run("status", "--output", "json").out()).isEqualTo(run("status", "--json").out()).startsWith("{");
        Result bad = run("status", "-o", "yaml");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("yaml");
    }

    @Test
    void aLogThatCannotBeWrittenIsSaidInTheDescription() {
        daemon.answer("ListProcesses", ListProcessesResponse.newBuilder().addProcesses(running("web", 7, 5).toBuilder()
                .setLogWriting(dev.taskmaster.proto.v1.LogWriting.newBuilder().setStopped(true)
                        .setReason("no space left on device (ENOSPC)").setStalls(1))).build());

        Result r = run("status");

        assertThat(r.outLines()).containsExactly(
                "NAME  STATE    PID  UPTIME   RESTARTS  DESCRIPTION",
                "web   RUNNING  7    0:00:05  0         log cannot be written: no space left on device (ENOSPC)");
    }

    @Test
    void healthIsAColumnBesideTheStateOnlyWhenSomeProgramHasACheck() {
        daemon.answer("ListProcesses", ListProcessesResponse.newBuilder()
                .addProcesses(running("web", 7, 5).toBuilder().setHealth(dev.taskmaster.proto.v1.HealthInfo.newBuilder()
                        .setStatus(dev.taskmaster.proto.v1.HealthStatus.HEALTH_STATUS_UNHEALTHY).setConsecutiveFailures(3)))
                .addProcesses(running("db", 8, 5).toBuilder().setHealth(dev.taskmaster.proto.v1.HealthInfo.newBuilder()
                        .setStatus(dev.taskmaster.proto.v1.HealthStatus.HEALTH_STATUS_HEALTHY)))
                .addProcesses(running("job", 9, 5)).build());

        Result r = run("status");

        assertThat(r.outLines()).containsExactly(
                "NAME  STATE    HEALTH     PID  UPTIME   RESTARTS  DESCRIPTION",
                "web   RUNNING  UNHEALTHY  7    0:00:05  0",
                "db    RUNNING  HEALTHY    8    0:00:05  0",
                "job   RUNNING  -          9    0:00:05  0");
        // The wide table puts GROUP and PROGRAM before STATE: HEALTH still follows STATE.
        assertThat(run("status", "-o", "wide").outLines().getFirst())
                .isEqualTo("NAME  GROUP  PROGRAM  STATE    HEALTH     PID  UPTIME   RESTARTS  DESCRIPTION");
        terminal = true;
        Result coloured = run("status");
        assertThat(coloured.out()).contains("\u001B[31mUNHEALTHY\u001B[0m", "\u001B[32mHEALTHY\u001B[0m");
        assertThat(coloured.out().replaceAll("\u001B\\[[0-9;]*m", "")).isEqualTo(r.out());
        Result json = run("status", "--json");
        assertThat(json.out()).contains("\"health\":{\"status\":\"UNHEALTHY\"", "\"consecutiveFailures\":3");
    }

    @Test
    void exitsZeroWhenEveryProcessRuns() {
        daemon.answer("ListProcesses", ListProcessesResponse.newBuilder().addProcesses(running("web", 7, 5)).build());

        Result r = run("status");

        assertThat(r.exit()).isZero();
        assertThat(r.outLines()).containsExactly(
                "NAME  STATE    PID  UPTIME   RESTARTS  DESCRIPTION",
                "web   RUNNING  7    0:00:05  0");
    }

    @Test
    void passesTargetsAsTheyWereTypedAndDialsTheDefaultInstanceSocket() {
        daemon.answer("ListProcesses", ListProcessesResponse.newBuilder().addProcesses(running("web:0", 7, 5)).build());

        run("status", "web:*", "db", "all");

        assertThat(daemon.requests(ListProcessesRequest.class)).singleElement()
                .satisfies(q -> assertThat(q.getTargetsList()).containsExactly("web:*", "db", "all"));
        assertThat(socketsOpened).containsExactly(Path.of("/run/user/1000/taskmaster/default.sock"));
    }

    @Test
    void globalOptionsWorkBeforeAndAfterTheVerb() {
        daemon.answer("ListProcesses", ListProcessesResponse.getDefaultInstance());
        env.remove("XDG_RUNTIME_DIR");

        run("--instance", "blue", "status");
        run("status", "-i", "green");
        run("status", "--socket", "/srv/tm.sock", "--instance", "ignored");

        assertThat(socketsOpened).containsExactly(Path.of("/tmp/taskmaster-1000/blue.sock"), Path.of("/tmp/taskmaster-1000/green.sock"),
                Path.of("/srv/tm.sock"));
    }

    @Test
    void colouredOnlyOnATerminalWithoutNoColor() {
        daemon.answer("ListProcesses", MIXED);
        String plain = run("status").out();
        terminal = true;

        Result coloured = run("status");
        assertThat(coloured.out()).contains("\u001B[32mRUNNING\u001B[0m  1234", "\u001B[31mFATAL\u001B[0m    -");
        assertThat(coloured.out().replaceAll("\u001B\\[[0-9;]*m", "")).as("colour never shifts columns").isEqualTo(plain);

        env.put("NO_COLOR", "1");
        assertThat(run("status").out()).doesNotContain("\u001B[");
        env.put("NO_COLOR", "");
        assertThat(run("status").out()).as("an empty NO_COLOR does not count").contains("\u001B[");
    }

    @Test
    void saysSoWhenThereIsNoProcess() {
        daemon.answer("ListProcesses", ListProcessesResponse.getDefaultInstance());

        Result r = run("status");

        assertThat(r.out()).isEqualTo("no processes\n");
        assertThat(r.exit()).isZero();
    }

    @Test
    void everyCallCarriesTheTimeoutAsItsDeadline() {
        daemon.answer("ListProcesses", ListProcessesResponse.getDefaultInstance());

        run("status", "--timeout", "5s");
        run("status");

        List<FakeDaemon.Received> calls = daemon.received;
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).deadline()).isNotNull();
        assertThat(calls.get(0).deadline().timeRemaining(java.util.concurrent.TimeUnit.MILLISECONDS)).isBetween(1L, 5_000L);
        assertThat(calls.get(1).deadline().timeRemaining(java.util.concurrent.TimeUnit.MILLISECONDS)).isBetween(5_001L, 30_000L);
    }

    @Test
    void theChannelIsShutDownWhenTheCommandReturns() {
        daemon.answer("ListProcesses", ListProcessesResponse.getDefaultInstance());

        run("status");

        assertThat(channels).singleElement().satisfies(c -> assertThat(c.isShutdown()).isTrue());
    }
}
