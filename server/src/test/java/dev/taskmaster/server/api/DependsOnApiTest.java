package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.taskmaster.proto.v1.AddProgramRequest;
import dev.taskmaster.proto.v1.AddProgramResponse;
import dev.taskmaster.proto.v1.ConfigError;
import dev.taskmaster.proto.v1.Dependency;
import dev.taskmaster.proto.v1.DependencyCondition;
import dev.taskmaster.proto.v1.DependencyStatus;
import dev.taskmaster.proto.v1.GetProcessRequest;
import dev.taskmaster.proto.v1.GetProgramRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ProgramSpec;
import dev.taskmaster.proto.v1.RemoveProgramRequest;
import dev.taskmaster.proto.v1.UpdateProgramRequest;
import dev.taskmaster.proto.v1.UpdateProgramResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** depends_on through AddProgram, GetProgram, UpdateProgram, RemoveProgram and GetProcess, on a live daemon. */
class DependsOnApiTest {

    @TempDir
    Path dir;

    private static Dependency dep(String program, DependencyCondition c) {
        return Dependency.newBuilder().setProgram(program).setCondition(c).build();
    }

    private static ProcessInfo process(LiveDaemon d, String name) {
        return d.stub().getProcess(GetProcessRequest.newBuilder().setName(name).build()).getProcess();
    }

    @Test
    void aDependentAddedByTheApiWaitsVisiblyAndIsReadBackAndSentBackUnchanged() throws Exception {
        try (LiveDaemon d = new LiveDaemon(dir, """
                programs:
                  db:
                    cmd: sleep 600
                    autostart: false
                """)) {
            AddProgramResponse added = d.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                    .setName("web").setCmd("sleep 600").addDependsOn(dep("db", DependencyCondition.DEPENDENCY_CONDITION_RUNNING))
                    .addDependsOn(Dependency.newBuilder().setProgram("db2"))).build());
            assertThat(added.getApplied()).isFalse();
            assertThat(added.getErrorsList()).extracting(ConfigError::getKeyPath).containsExactly("programs.web.depends_on.db2");
            assertThat(added.getErrors(0).getMessage()).startsWith("unknown program \"db2\"");

            added = d.stub().addProgram(AddProgramRequest.newBuilder().setSpec(ProgramSpec.newBuilder()
                    .setName("web").setCmd("sleep 600").addDependsOn(dep("db", DependencyCondition.DEPENDENCY_CONDITION_RUNNING)))
                    .build());
            assertThat(added.getErrorsList()).isEmpty();
            assertThat(added.getProgram().getDependsOnList()).containsExactly(dep("db", DependencyCondition.DEPENDENCY_CONDITION_RUNNING));
            LiveDaemon.until("web waits", 10_000, () -> process(d, "web").getState() == ProcessState.PROCESS_STATE_SCHEDULED);
            ProcessInfo web = process(d, "web");
            assertThat(web.getDescription()).isEqualTo("waiting for db to be running");
            assertThat(web.getDependenciesList()).containsExactly(DependencyStatus.newBuilder().setProgram("db")
                    .setCondition(DependencyCondition.DEPENDENCY_CONDITION_RUNNING).setSatisfied(false).build());
            assertThat(process(d, "db").getDependenciesList()).as("db depends on nothing").isEmpty();

            ProgramSpec spec = d.stub().getProgram(GetProgramRequest.newBuilder().setName("web").build()).getProgram();
            UpdateProgramResponse same = d.stub().updateProgram(UpdateProgramRequest.newBuilder().setSpec(spec).build());
            assertThat(same.getErrorsList()).isEmpty();
            assertThat(same.getDiff().getUnchangedProgramsList()).contains("web");
            assertThat(same.getProgram()).isEqualTo(spec);
        }
    }

    @Test
    void aCycleMadeByAnUpdateIsAProblemAndARemovalThatWouldStrandADependentIsRefused() throws Exception {
        try (LiveDaemon d = new LiveDaemon(dir, """
                programs:
                  db: {cmd: sleep 600, autostart: false}
                  web: {cmd: sleep 600, autostart: false, depends_on: [db]}
                """)) {
            ProgramSpec db = d.stub().getProgram(GetProgramRequest.newBuilder().setName("db").build()).getProgram();
            UpdateProgramResponse cycle = d.stub().updateProgram(UpdateProgramRequest.newBuilder()
                    .setSpec(db.toBuilder().addDependsOn(dep("web", DependencyCondition.DEPENDENCY_CONDITION_UNSPECIFIED))).build());
            assertThat(cycle.getApplied()).isFalse();
            assertThat(cycle.getErrorsList()).extracting(ConfigError::getMessage).singleElement().asString()
                    .startsWith("dependency cycle db -> web -> db");
            UpdateProgramResponse unhealthy = d.stub().updateProgram(UpdateProgramRequest.newBuilder()
                    .setYaml("web:\n  cmd: sleep 600\n  depends_on: {db: healthy}\n").build());
            assertThat(unhealthy.getErrorsList()).extracting(ConfigError::getKeyPath, ConfigError::getMessage).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("programs.web.depends_on.db", "\"db\" has no health_check, so it can"
                            + " never be healthy; give it one, or wait for it to be running"));

            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                    () -> d.stub().removeProgram(RemoveProgramRequest.newBuilder().setName("db").build()));
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(refused.getStatus().getDescription())
                    .isEqualTo("cannot remove \"db\": web depends on it (depends_on); remove or update it first");
            d.stub().removeProgram(RemoveProgramRequest.newBuilder().setName("web").build());
            d.stub().removeProgram(RemoveProgramRequest.newBuilder().setName("db").build());
        }
    }
}
