package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ProcessStateCount;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.ShutdownRequest;
import dev.taskmaster.proto.v1.ShutdownResponse;
import org.junit.jupiter.api.Test;

/** pid, info, version and shutdown. */
class InfoCommandsTest extends CtlTest {

    private static final GetServerInfoResponse INFO = GetServerInfoResponse.newBuilder().setVersion("0.1.0").setPid(4242)
            .setInstanceName("default").setHostname("box").setStartTime(Fixtures.T0).setUptime(Durations.fromSeconds(3725))
            .setConfigPath("/etc/tm.yaml").setConfigLoadTime(Fixtures.T0).setSocketPath("/run/user/1000/taskmaster/default.sock")
            .setLogPath("/var/log/tm.log").setJournalId("j-1").setLatestSequence(12).setProgramCount(2).setProcessCount(3)
            .addStateCounts(ProcessStateCount.newBuilder().setState(ProcessState.PROCESS_STATE_RUNNING).setCount(2))
            .addStateCounts(ProcessStateCount.newBuilder().setState(ProcessState.PROCESS_STATE_FATAL).setCount(1))
            .setCallerRole(Role.ROLE_ADMIN).setCallerIdentity("local socket owner").build();

    @Test
    void pidWithoutTargetIsTheDaemons() {
        daemon.answer("GetServerInfo", INFO);

        Result r = run("pid");

        assertThat(r.out()).isEqualTo("4242\n");
        assertThat(r.exit()).isZero();
    }

    @Test
    void pidOfATargetPassesItAndExits3IfNotRunning() {
        daemon.answer("ListProcesses", ListProcessesResponse.newBuilder().addProcesses(Fixtures.running("web", 77, 1)).build());
        assertThat(run("pid", "web").out()).isEqualTo("77\n");
        assertThat(daemon.requests(ListProcessesRequest.class).getFirst().getTargetsList()).containsExactly("web");

        daemon.answer("ListProcesses", ListProcessesResponse.newBuilder().addProcesses(Fixtures.running("web:0", 77, 1))
                .addProcesses(Fixtures.fatal("web:1", "x", 0)).build());
        Result r = run("pid", "web");
        assertThat(r.outLines()).containsExactly("web:0 77", "web:1 0");
        assertThat(r.exit()).isEqualTo(3);
    }

    @Test
    void infoDescribesTheDaemon() {
        daemon.answer("GetServerInfo", INFO);

        Result r = run("info");

        assertThat(r.out()).isEqualTo("""
                version:   0.1.0
                instance:  default
                pid:       4242
                host:      box
                uptime:    1:02:05 (since 2026-11-18 11:06:40)
                config:    /etc/tm.yaml (loaded 2026-11-18 11:06:40)
                socket:    /run/user/1000/taskmaster/default.sock
                tcp:       none
                log:       /var/log/tm.log
                programs:  2
                processes: 3 (2 RUNNING, 1 FATAL)
                journal:   j-1, latest event #12
                you:       admin (local socket owner)
                """);
    }

    @Test
    void versionPrintsBothEnds() {
        daemon.answer("GetServerInfo", INFO);

        assertThat(run("version").outLines()).hasSize(2).last().isEqualTo("taskmasterd 0.1.0 (instance default, pid 4242)");
        assertThat(run("version").outLines().getFirst()).startsWith("taskmasterctl ");
        daemon.received.clear();
        assertThat(run("version", "--client").outLines()).hasSize(1);
        assertThat(daemon.received).isEmpty();
    }

    @Test
    void shutdownSendsTheReason() {
        daemon.answer("Shutdown", ShutdownResponse.getDefaultInstance());

        Result r = run("shutdown", "--reason", "maintenance");

        assertThat(daemon.requests(ShutdownRequest.class).getFirst().getReason()).isEqualTo("maintenance");
        assertThat(r.out()).isEqualTo("taskmasterd is shutting down\n");
        assertThat(r.exit()).isZero();
    }
}
