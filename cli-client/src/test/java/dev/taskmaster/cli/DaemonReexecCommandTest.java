package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.ReexecDaemonResponse;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** {@code daemon reexec}: asks, waits for the new program (a later start time), says so; refusals and silence have their codes. */
class DaemonReexecCommandTest extends CtlTest {

    private static final Timestamp BEFORE = Timestamp.newBuilder().setSeconds(1_800_000_000L).build();
    private static final Timestamp AFTER = Timestamp.newBuilder().setSeconds(1_800_000_100L).setNanos(5).build();

    @Test
    void waitsForTheNewProgramAndSaysWhatAnswers() {
        daemon.answer("ReexecDaemon", ReexecDaemonResponse.newBuilder().setPid(4242).setStartTime(BEFORE).setLatestSequence(130).build());
        daemon.answer("GetServerInfo", GetServerInfoResponse.newBuilder().setPid(4242).setVersion("0.2.0").setStartTime(AFTER).build());

        Result r = run("daemon", "reexec");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).matches("taskmasterd re-executed in \\d+ ms: pid 4242 \\(was 4242\\), version 0\\.2\\.0, started "
                + "2027-01-15T08:01:40\\.000000005Z, events from #131 on\n");
    }

    @Test
    void aRefusalIsExit1WithTheDaemonsReason() {
        daemon.answer("ReexecDaemon", Status.FAILED_PRECONDITION.withDescription("taskmasterd runs with --shell"));

        Result r = run("daemon", "reexec");

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("taskmasterctl: taskmasterd runs with --shell\n");
    }

    @Test
    void aDaemonThatDoesNotComeBackIsExit6AfterTheWait() {
        daemon.answer("ReexecDaemon", ReexecDaemonResponse.newBuilder().setPid(4242).setStartTime(BEFORE).build());
        // Still the program from before: it never answers with a later start time.
        daemon.answer("GetServerInfo", GetServerInfoResponse.newBuilder().setPid(4242).setStartTime(BEFORE).build());

        Result r = run("daemon", "reexec", "--wait", "1s");

        assertThat(r.exit()).isEqualTo(6);
        assertThat(r.err()).startsWith("taskmasterctl: taskmasterd did not answer again within 1 s of its re-exec");
    }

    @Test
    void anUnknownActionIsBadUsage() {
        assertThat(run("daemon", "restart").exit()).isEqualTo(2);
    }
}
