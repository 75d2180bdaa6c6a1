package dev.taskmaster.cli;

import static dev.taskmaster.cli.Fixtures.failed;
import static dev.taskmaster.cli.Fixtures.fatal;
import static dev.taskmaster.cli.Fixtures.ok;
import static dev.taskmaster.cli.Fixtures.running;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.taskmaster.proto.v1.PauseProcessesRequest;
import dev.taskmaster.proto.v1.PauseProcessesResponse;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.RestartProcessesRequest;
import dev.taskmaster.proto.v1.RestartProcessesResponse;
import dev.taskmaster.proto.v1.ResumeProcessesRequest;
import dev.taskmaster.proto.v1.ResumeProcessesResponse;
import dev.taskmaster.proto.v1.SignalProcessesRequest;
import dev.taskmaster.proto.v1.SignalProcessesResponse;
import dev.taskmaster.proto.v1.StartProcessesRequest;
import dev.taskmaster.proto.v1.StartProcessesResponse;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesResponse;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessCommandsTest extends CtlTest {

    private static final ProcessInfo WEB0 = running("web:0", 100, 1);
    private static final ProcessInfo WEB1 = fatal("web:1", "/usr/bin/nginx: permission denied (EACCES)", 0);
    private static final ProcessInfo DB = running("db", 200, 1);

    @Test
    void startWaitsByDefaultAndPrintsOneLinePerProcess() {
        daemon.answer("StartProcesses", StartProcessesResponse.newBuilder()
                .addResults(ok(WEB0, true))
                .addResults(failed(WEB1, Status.Code.ABORTED, "web:1 could not be started"))
                .addResults(ok(DB, false))
                .build());

        Result r = run("start", "web:*", "db", "--timeout", "20s");

        StartProcessesRequest sent = daemon.requests(StartProcessesRequest.class).getFirst();
        assertThat(sent.getTargetsList()).containsExactly("web:*", "db");
        assertThat(sent.getWait()).isTrue();
        assertThat(sent.hasTimeout()).isTrue();
        assertThat(Durations.toMillis(sent.getTimeout())).as("a little under the call's deadline").isBetween(15_000L, 19_999L);
        assertThat(r.outLines()).containsExactly(
                "web:0: started",
                "web:1: ERROR (spawn error: /usr/bin/nginx: permission denied (EACCES))",
                "db: already started");
        assertThat(r.exit()).as("a process failed").isEqualTo(ExitCodes.FAILED);
    }

    @Test
    void startOfProcessesThatAllStartedExitsZero() {
        daemon.answer("StartProcesses", StartProcessesResponse.newBuilder().addResults(ok(WEB0, true)).build());

        assertThat(run("start", "web:0").exit()).isZero();
    }

    @Test
    void stopWithNoWaitSendsWaitFalseAndSaysStopping() {
        daemon.answer("StopProcesses", StopProcessesResponse.newBuilder().addResults(ok(WEB0, true)).addResults(ok(DB, false)).build());

        Result r = run("stop", "--no-wait", "all");

        StopProcessesRequest sent = daemon.requests(StopProcessesRequest.class).getFirst();
        assertThat(sent.getTargetsList()).containsExactly("all");
        assertThat(sent.getWait()).isFalse();
        assertThat(sent.hasTimeout()).isFalse();
        assertThat(r.outLines()).containsExactly("web:0: stopping", "db: not running");
        assertThat(r.exit()).isZero();
    }

    @Test
    void stopWaitsByDefault() {
        daemon.answer("StopProcesses", StopProcessesResponse.newBuilder().addResults(ok(WEB0, true))
                .addResults(failed(DB, Status.Code.DEADLINE_EXCEEDED, "db still stopping after 29s")).build());

        Result r = run("stop", "web:0", "db");

        assertThat(daemon.requests(StopProcessesRequest.class).getFirst().getWait()).isTrue();
        assertThat(r.outLines()).containsExactly("web:0: stopped", "db: ERROR (db still stopping after 29s)");
        assertThat(r.exit()).isEqualTo(ExitCodes.FAILED);
    }

    @Test
    void restartSendsTargetsAndWait() {
        daemon.answer("RestartProcesses", RestartProcessesResponse.newBuilder().addResults(ok(WEB0, true)).build());

        Result r = run("restart", "web:0", "web:*");

        RestartProcessesRequest sent = daemon.requests(RestartProcessesRequest.class).getFirst();
        assertThat(sent.getTargetsList()).containsExactly("web:0", "web:*");
        assertThat(sent.getWait()).isTrue();
        assertThat(r.outLines()).containsExactly("web:0: restarted");

        daemon.received.clear();
        run("restart", "--no-wait", "web:0");
        assertThat(daemon.requests(RestartProcessesRequest.class).getFirst().getWait()).isFalse();
    }

    @Test
    void signalSendsTheSignalAsTypedAndTheTargets() {
        daemon.answer("SignalProcesses", SignalProcessesResponse.newBuilder()
                .addResults(ok(WEB0, true))
                .addResults(failed(WEB1, Status.Code.FAILED_PRECONDITION, "web:1 is not running")).build());

        Result r = run("signal", "hup", "web:*", "db", "-g");

        SignalProcessesRequest sent = daemon.requests(SignalProcessesRequest.class).getFirst();
        assertThat(sent.getSignal()).isEqualTo("hup");
        assertThat(sent.getTargetsList()).containsExactly("web:*", "db");
        assertThat(sent.getProcessGroup()).isTrue();
        assertThat(r.outLines()).containsExactly("web:0: signalled", "web:1: ERROR (web:1 is not running)");
        assertThat(r.exit()).isEqualTo(ExitCodes.FAILED);
    }

    @Test
    void pauseAndResume() {
        daemon.answer("PauseProcesses", PauseProcessesResponse.newBuilder().addResults(ok(WEB0, true)).addResults(ok(DB, false)).build());
        daemon.answer("ResumeProcesses", ResumeProcessesResponse.newBuilder().addResults(ok(WEB0, true)).build());

        assertThat(run("pause", "web:0", "db").outLines()).containsExactly("web:0: paused", "db: already paused");
        assertThat(run("resume", "web:0").outLines()).containsExactly("web:0: resumed");
        assertThat(daemon.requests(PauseProcessesRequest.class).getFirst().getTargetsList()).containsExactly("web:0", "db");
        assertThat(daemon.requests(ResumeProcessesRequest.class).getFirst().getWait()).isTrue();
    }

    @Test
    void targetsAreRequired() {
        for (String verb : new String[] {"start", "stop", "restart", "pause", "resume"}) {
            Result r = run(verb);
            assertThat(r.exit()).as(verb).isEqualTo(ExitCodes.USAGE);
            assertThat(r.err()).as(verb).startsWith("taskmasterctl: Missing required parameter");
        }
        assertThat(run("signal", "TERM").exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(daemon.received).isEmpty();
    }

    // Issue 16: "restart of a program whose starttime is 40 s reports ERROR after 29 s although
    // nothing is wrong: the wait must follow the program's own starttime."
    @Test
    void withoutATypedTimeoutTheWaitFollowsTheProgramsStarttimeAndStoptime() {
        daemon.answer("ListPrograms", dev.taskmaster.proto.v1.ListProgramsResponse.newBuilder()
                .addPrograms(dev.taskmaster.proto.v1.ProgramSpec.newBuilder().setName("slow")
                        .setStarttime(com.google.protobuf.util.Durations.fromSeconds(40))
                        .setStoptime(com.google.protobuf.util.Durations.fromSeconds(10)))
                .addPrograms(dev.taskmaster.proto.v1.ProgramSpec.newBuilder().setName("quick").setGroup("fast")
                        .setStarttime(com.google.protobuf.util.Durations.fromSeconds(1)))
                .build());
        daemon.answer("RestartProcesses", dev.taskmaster.proto.v1.RestartProcessesResponse.getDefaultInstance());

        run("restart", "slow");
        run("restart", "fast:*");
        run("restart", "--timeout", "7s", "slow");

        List<dev.taskmaster.proto.v1.RestartProcessesRequest> sent = daemon.requests(dev.taskmaster.proto.v1.RestartProcessesRequest.class);
        // 40 s + 10 s + 5 s of margin, less the margin kept for the answer to travel (1 s).
        assertThat(com.google.protobuf.util.Durations.toMillis(sent.get(0).getTimeout())).isEqualTo(54_000);
        assertThat(com.google.protobuf.util.Durations.toMillis(sent.get(1).getTimeout())).as("the default: quick needs less")
                .isEqualTo(29_000);
        assertThat(com.google.protobuf.util.Durations.toMillis(sent.get(2).getTimeout())).as("a typed --timeout is obeyed")
                .isEqualTo(6_300);
    }
}
