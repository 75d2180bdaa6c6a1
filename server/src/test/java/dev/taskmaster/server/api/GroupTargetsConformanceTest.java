package dev.taskmaster.server.api;

import static dev.taskmaster.server.api.ProcessesConformanceTest.code;
import static dev.taskmaster.server.api.ProcessesConformanceTest.names;
import static dev.taskmaster.server.api.ProcessesConformanceTest.status;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Code;
import dev.taskmaster.proto.v1.GetProcessRequest;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.PauseProcessesRequest;
import dev.taskmaster.proto.v1.ProcessResult;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.RestartProcessesRequest;
import dev.taskmaster.proto.v1.ResumeProcessesRequest;
import dev.taskmaster.proto.v1.SignalProcessesRequest;
import dev.taskmaster.proto.v1.StartProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract's bare group name as a target (taskmaster.proto, Targets: ""<full name>" … if
 * none has that name, every instance of the program, or every process of the group with that
 * name"), on the real engine with real processes. Issue 16: {@code status batch} was refused
 * with "no process, program or group named" although the contract and docs/cli.md said it works.
 */
class GroupTargetsConformanceTest {

    @TempDir
    Path dir;
    LiveDaemon daemon;

    @BeforeEach
    void setUp() throws Exception {
        daemon = new LiveDaemon(dir, """
                programs:
                  db:
                    cmd: sleep 1000
                    starttime: 0
                    priority: 10
                    group: data
                    stoptime: 2
                  cache:
                    cmd: sleep 1000
                    starttime: 0
                    group: data
                    stoptime: 2
                  web:
                    cmd: sleep 1000
                    numprocs: 2
                    starttime: 0
                    stoptime: 2
                  webextra:
                    cmd: sleep 1000
                    starttime: 0
                    autostart: false
                    group: web
                """);
        for (String p : List.of("db", "cache", "web:0", "web:1")) {
            daemon.await(p, dev.taskmaster.server.engine.ProcessState.RUNNING);
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        daemon.close();
    }

    @Test
    void aBareGroupNameIsEveryProcessOfTheGroup() {
        assertThat(names(daemon.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets("data").build())))
                .containsExactly("db", "cache");
        // GetProcess takes one process: a group of several is not one.
        assertThat(daemon.stub().getProcess(GetProcessRequest.newBuilder().setName("data:db").build()).getProcess().getFullName())
                .isEqualTo("db");
    }

    @Test
    void aProgramOfTheSameNameComesBeforeTheGroup() {
        // "web" is a program and the group of webextra too: the program's instances, as before.
        assertThat(names(daemon.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets("web").build())))
                .containsExactly("web:0", "web:1");
        assertThat(names(daemon.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets("web:*").build())))
                .contains("web:0", "web:1", "webextra");
    }

    @Test
    void everyVerbThatTakesTargetsTakesAGroup() {
        List<ProcessResult> stopped = daemon.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets("data")
                .setWait(true).build()).getResultsList();
        assertThat(stopped).extracting(ProcessResult::getFullName).containsExactly("db", "cache");
        assertThat(stopped).allSatisfy(r -> assertThat(code(r)).isEqualTo(Code.OK));
        assertThat(state("db")).isEqualTo(ProcessState.PROCESS_STATE_STOPPED);
        assertThat(state("cache")).isEqualTo(ProcessState.PROCESS_STATE_STOPPED);
        List<ProcessResult> started = daemon.stub().startProcesses(StartProcessesRequest.newBuilder().addTargets("data")
                .setWait(true).build()).getResultsList();
        assertThat(started).extracting(ProcessResult::getFullName).containsExactly("db", "cache");
        assertThat(started).allSatisfy(r -> assertThat(code(r)).isEqualTo(Code.OK));
        assertThat(daemon.stub().restartProcesses(RestartProcessesRequest.newBuilder().addTargets("data").setWait(true).build())
                .getResultsList()).extracting(ProcessResult::getFullName).containsExactly("db", "cache");
        assertThat(daemon.stub().signalProcesses(SignalProcessesRequest.newBuilder().addTargets("data").setSignal("CONT").build())
                .getResultsList()).allSatisfy(r -> assertThat(code(r)).isEqualTo(Code.OK));
        assertThat(daemon.stub().pauseProcesses(PauseProcessesRequest.newBuilder().addTargets("data").setWait(true).build())
                .getResultsList()).allSatisfy(r -> assertThat(code(r)).isEqualTo(Code.OK));
        assertThat(state("db")).isEqualTo(ProcessState.PROCESS_STATE_PAUSED);
        assertThat(daemon.stub().resumeProcesses(ResumeProcessesRequest.newBuilder().addTargets("data").setWait(true).build())
                .getResultsList()).allSatisfy(r -> assertThat(code(r)).isEqualTo(Code.OK));
        assertThat(state("db")).isEqualTo(ProcessState.PROCESS_STATE_RUNNING);
    }

    @Test
    void anUnknownNameKeepsItsSentencesAndCodesAndAGroupIsSuggested() {
        Status typo = status(() -> daemon.stub().listProcesses(ListProcessesRequest.newBuilder().addTargets("dataa").build()));
        assertThat(typo.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(typo.getDescription()).isEqualTo("no process, program or group named \"dataa\"; did you mean \"data\"?");
        Status malformed = status(() -> daemon.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets("da ta").build()));
        assertThat(malformed.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(malformed.getDescription()).startsWith("malformed target \"da ta\"; expected");
    }

    private ProcessState state(String name) {
        return daemon.stub().getProcess(GetProcessRequest.newBuilder().setName(name).build()).getProcess().getState();
    }
}
