package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.taskmaster.proto.v1.AddProgramRequest;
import dev.taskmaster.proto.v1.AddProgramResponse;
import dev.taskmaster.proto.v1.BackoffSpec;
import dev.taskmaster.proto.v1.ConfigError;
import dev.taskmaster.proto.v1.GetProgramRequest;
import dev.taskmaster.proto.v1.HealthCheckSpec;
import dev.taskmaster.proto.v1.HeartbeatProbe;
import dev.taskmaster.proto.v1.ProgramSpec;
import dev.taskmaster.proto.v1.TcpProbe;
import dev.taskmaster.proto.v1.UnhealthyAction;
import dev.taskmaster.proto.v1.UpdateProgramRequest;
import dev.taskmaster.proto.v1.UpdateProgramResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** health_check, max_restarts and backoff.reset_after through AddProgram, GetProgram and UpdateProgram. */
class HealthSpecApiTest {

    @TempDir
    Path dir;

    @Test
    void aHealthCheckIsAddedReadBackAndSentBackUnchanged() throws Exception {
        try (LiveDaemon d = new LiveDaemon(dir, """
                programs:
                  file:
                    cmd: sleep 600
                    max_restarts: 7
                    backoff: {reset_after: 2m}
                    health_check: {cmd: "sh -c 'exit 0'", interval: 250ms, on_unhealthy: restart}
                """)) {
            ProgramSpec fromFile = d.stub().getProgram(GetProgramRequest.newBuilder().setName("file").build()).getProgram();
            assertThat(fromFile.getMaxRestarts()).isEqualTo(7);
            assertThat(Durations.toSeconds(fromFile.getBackoff().getResetAfter())).isEqualTo(120);
            assertThat(fromFile.getHealthCheck().getCommand().getCmd()).isEqualTo("sh -c 'exit 0'");
            assertThat(Durations.toMillis(fromFile.getHealthCheck().getInterval())).isEqualTo(250);
            assertThat(fromFile.getHealthCheck().getRetries()).as("defaults filled in").isEqualTo(3);
            assertThat(fromFile.getHealthCheck().getOnUnhealthy()).isEqualTo(UnhealthyAction.UNHEALTHY_ACTION_RESTART);

            AddProgramResponse added = d.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                    .setName("beat").setCmd("sleep 600").setNumprocs(2).setMaxRestarts(2)
                    .setBackoff(BackoffSpec.newBuilder().setResetAfter(Durations.fromSeconds(30)))
                    .setHealthCheck(HealthCheckSpec.newBuilder()
                            .setHeartbeat(HeartbeatProbe.newBuilder().setPath(dir + "/hb.%(process_num)d").setMaxAge(Durations.fromSeconds(5)))
                            .setRetries(2))).build());
            assertThat(added.getErrorsList()).isEmpty();
            assertThat(added.getProgram().getHealthCheck().getHeartbeat().getPath()).isEqualTo(dir + "/hb.%(process_num)d");
            assertThat(added.getProgram().getMaxRestarts()).isEqualTo(2);

            for (String name : new String[] {"file", "beat"}) {
                ProgramSpec spec = d.stub().getProgram(GetProgramRequest.newBuilder().setName(name).build()).getProgram();
                UpdateProgramResponse r = d.stub().updateProgram(UpdateProgramRequest.newBuilder().setSpec(spec).build());
                assertThat(r.getErrorsList()).as(name).isEmpty();
                assertThat(r.getDiff().getUnchangedProgramsList()).as(name).contains(name);
                assertThat(r.getProgram()).isEqualTo(spec);
            }
        }
    }

    @Test
    void aBadHealthCheckIsAProblemOfItsKey() throws Exception {
        try (LiveDaemon d = new LiveDaemon(dir, "programs: {}\n")) {
            AddProgramResponse port = d.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                    .setName("x").setCmd("sleep 600").setHealthCheck(HealthCheckSpec.newBuilder()
                            .setTcp(TcpProbe.newBuilder().setHost("127.0.0.1").setPort(0)))).build());
            assertThat(port.getApplied()).isFalse();
            assertThat(port.getErrorsList()).extracting(ConfigError::getKeyPath, ConfigError::getMessage).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("programs.x.health_check.tcp", "expected a port from 1 to 65535, found 0"));
            AddProgramResponse none = d.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                    .setName("y").setCmd("sleep 600").setHealthCheck(HealthCheckSpec.newBuilder().setRetries(0))).build());
            assertThat(none.getErrorsList()).extracting(ConfigError::getKeyPath).containsExactly("programs.y.health_check",
                    "programs.y.health_check.retries");
            AddProgramResponse action = d.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                    .setName("z").setCmd("sleep 600").setHealthCheck(HealthCheckSpec.newBuilder()
                            .setTcp(TcpProbe.newBuilder().setPort(80)).setOnUnhealthyValue(7))).build());
            assertThat(action.getErrorsList()).extracting(ConfigError::getKeyPath, ConfigError::getMessage).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("programs.z.health_check.on_unhealthy",
                            "expected UNHEALTHY_ACTION_NONE or UNHEALTHY_ACTION_RESTART, found 7"));
        }
    }
}
