package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.taskmaster.proto.v1.DaemonShuttingDown;
import dev.taskmaster.proto.v1.DaemonStarted;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.ExitInfo;
import dev.taskmaster.proto.v1.GetServerInfoResponse;
import dev.taskmaster.proto.v1.Heartbeat;
import dev.taskmaster.proto.v1.KilledBySignal;
import dev.taskmaster.proto.v1.ProcessSpawnFailed;
import dev.taskmaster.proto.v1.ProcessState;
import dev.taskmaster.proto.v1.ProcessStateChanged;
import dev.taskmaster.proto.v1.Snapshot;
import dev.taskmaster.proto.v1.SpawnFailure;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

/** events: the fake keeps the stream open unless told otherwise, so the client must know when to stop. */
class EventsCommandTest extends CtlTest {

    private static WatchEventsResponse event(long seq, Event.Builder e) {
        return WatchEventsResponse.newBuilder().setEvent(e.setSequence(seq).setTime(Fixtures.T0)).build();
    }

    private static final WatchEventsResponse STARTED = event(1, Event.newBuilder()
            .setDaemonStarted(DaemonStarted.newBuilder().setVersion("0.1.0").setPid(42).setConfigPath("/etc/tm.yaml")));
    private static final WatchEventsResponse CRASHED = event(2, Event.newBuilder()
            .setProcessStateChanged(ProcessStateChanged.newBuilder().setFromState(ProcessState.PROCESS_STATE_RUNNING)
                    .setToState(ProcessState.PROCESS_STATE_BACKOFF).setReason("exited unexpectedly")
                    .setExit(ExitInfo.newBuilder().setKilled(KilledBySignal.newBuilder().setSignalNumber(11).setSignalName("SEGV")
                            .setCoreDumped(true)))
                    .setProcess(Fixtures.running("web:0", 0, 0))));
    private static final WatchEventsResponse SPAWN_FAILED = event(3, Event.newBuilder()
            .setProcessSpawnFailed(ProcessSpawnFailed.newBuilder().setAttempt(2).setRetryDelay(Durations.fromSeconds(2))
                    .setFailure(SpawnFailure.newBuilder().setReason("cannot execute /usr/bin/web: permission denied"))
                    .setProcess(Fixtures.fatal("web:0", "", 0))));

    @Test
    void aLogThatCannotBeWrittenIsOneLineWhenItStopsAndOneWhenItResumes() {
        daemon.answer("GetServerInfo", GetServerInfoResponse.newBuilder().setLatestSequence(5).build());
        daemon.answer("WatchEvents", new FakeDaemon.Watch(List.of(
                event(4, Event.newBuilder().setLogWritingStopped(dev.taskmaster.proto.v1.LogWritingStopped.newBuilder()
                        .setProcessName("web:0").setStream(dev.taskmaster.proto.v1.OutputStream.OUTPUT_STREAM_STDOUT)
                        .setPath("/var/log/web.log").setReason("no space left on device (ENOSPC)")
                        .setPolicy(dev.taskmaster.proto.v1.LogFullPolicy.LOG_FULL_POLICY_DROP))),
                event(5, Event.newBuilder().setLogWritingResumed(dev.taskmaster.proto.v1.LogWritingResumed.newBuilder()
                        .setProcessName("web:0").setStream(dev.taskmaster.proto.v1.OutputStream.OUTPUT_STREAM_STDOUT)
                        .setPath("/var/log/web.log").setReason("no space left on device (ENOSPC)")
                        .setPolicy(dev.taskmaster.proto.v1.LogFullPolicy.LOG_FULL_POLICY_DROP)
                        .setStoppedFor(Durations.fromMillis(3500)).setLinesLost(1204).setBytesLost(56789)))), null));

        Result r = run("events", "--since", "3");

        assertThat(r.outLines()).containsExactly(
                "#4 2026-11-18 11:06:40 web:0 stdout cannot be written to /var/log/web.log: no space left on device (ENOSPC);"
                        + " dropping its output (on_log_full: drop)",
                "#5 2026-11-18 11:06:40 web:0 stdout written to /var/log/web.log again after 3.5s: 1204 lines (56789 bytes) lost");
        assertThat(r.exit()).isZero();
    }

    @Test
    void withoutFollowPrintsTheSnapshotAndStops() {
        daemon.answer("GetServerInfo", GetServerInfoResponse.newBuilder().setLatestSequence(7).build());
        daemon.answer("WatchEvents", new FakeDaemon.Watch(List.of(WatchEventsResponse.newBuilder().setSnapshot(Snapshot.newBuilder()
                .setSequence(7).setTime(Fixtures.T0).addProcesses(Fixtures.running("web", 9, 3))).build()), null));

        Result r = run("events");

        assertThat(r.outLines()).containsExactly(
                "-- snapshot at #7 (2026-11-18 11:06:40): 1 process",
                "NAME  STATE    PID  UPTIME   RESTARTS  DESCRIPTION",
                "web   RUNNING  9    0:00:03  0");
        assertThat(r.exit()).isZero();
        WatchEventsRequest sent = daemon.requests(WatchEventsRequest.class).getFirst();
        assertThat(sent.getFromSequence()).isZero();
        assertThat(daemon.received.getLast().deadline()).as("a bounded replay has a deadline").isNotNull();
    }

    @Test
    void sinceReplaysUpToTheLatestSequenceThenStops() {
        daemon.answer("GetServerInfo", GetServerInfoResponse.newBuilder().setLatestSequence(3).build());
        daemon.answer("WatchEvents", new FakeDaemon.Watch(List.of(STARTED, CRASHED, SPAWN_FAILED), null));

        Result r = run("events", "--since", "1", "web");

        assertThat(r.outLines()).containsExactly(
                "#1 2026-11-18 11:06:40 taskmasterd 0.1.0 started (pid 42, config /etc/tm.yaml)",
                "#2 2026-11-18 11:06:40 web:0 RUNNING -> BACKOFF: exited unexpectedly (killed by SIGSEGV (core dumped) (unexpected))",
                "#3 2026-11-18 11:06:40 web:0 spawn failed (attempt 2): cannot execute /usr/bin/web: permission denied; retry in 2s");
        WatchEventsRequest sent = daemon.requests(WatchEventsRequest.class).getFirst();
        assertThat(sent.getFromSequence()).isEqualTo(1);
        assertThat(sent.getTargetsList()).containsExactly("web");
        assertThat(r.exit()).isZero();
    }

    // Issue 16: "killed by SIGKILL (unexpected) (killed by SIGKILL (unexpected))".
    @Test
    void aReasonThatAlreadySaysHowTheProcessEndedIsNotRepeated() {
        WatchEventsResponse killed = event(4, Event.newBuilder()
                .setProcessStateChanged(ProcessStateChanged.newBuilder().setFromState(ProcessState.PROCESS_STATE_RUNNING)
                        .setToState(ProcessState.PROCESS_STATE_EXITED).setReason("killed by SIGKILL (unexpected)")
                        .setExit(ExitInfo.newBuilder().setKilled(KilledBySignal.newBuilder().setSignalNumber(9).setSignalName("KILL")))
                        .setProcess(Fixtures.running("web:0", 0, 0))));
        daemon.answer("GetServerInfo", GetServerInfoResponse.newBuilder().setLatestSequence(4).build());
        daemon.answer("WatchEvents", new FakeDaemon.Watch(List.of(killed), null));

        assertThat(run("events", "--since", "4").outLines())
                .containsExactly("#4 2026-11-18 11:06:40 web:0 RUNNING -> EXITED: killed by SIGKILL (unexpected)");
    }

    @Test
    void aHeartbeatEndsAReplayWhoseLastEventsWereFilteredOut() {
        daemon.answer("GetServerInfo", GetServerInfoResponse.newBuilder().setLatestSequence(10).build());
        daemon.answer("WatchEvents", new FakeDaemon.Watch(List.of(CRASHED,
                WatchEventsResponse.newBuilder().setHeartbeat(Heartbeat.newBuilder().setLatestSequence(10)).build()), null));

        Result r = run("events", "--since", "2", "web:0");

        assertThat(r.outLines()).hasSize(1);
        assertThat(r.exit()).isZero();
    }

    @Test
    void sinceBeyondTheJournalPrintsNothing() {
        daemon.answer("GetServerInfo", GetServerInfoResponse.newBuilder().setLatestSequence(3).build());

        Result r = run("events", "--since", "4");

        assertThat(r.out()).isEmpty();
        assertThat(r.exit()).isZero();
        assertThat(daemon.requests(WatchEventsRequest.class)).isEmpty();
    }

    @Test
    void jsonIsOneWatchEventsResponsePerLine() throws Exception {
        daemon.answer("GetServerInfo", GetServerInfoResponse.newBuilder().setLatestSequence(3).build());
        daemon.answer("WatchEvents", new FakeDaemon.Watch(List.of(STARTED, CRASHED, SPAWN_FAILED), null));

        Result r = run("events", "--since", "1", "--json");

        List<String> lines = r.outLines();
        assertThat(lines).hasSize(3);
        List<WatchEventsResponse> expected = List.of(STARTED, CRASHED, SPAWN_FAILED);
        for (int i = 0; i < lines.size(); i++) {
            assertThat(JsonShape.<WatchEventsResponse>read(lines.get(i), WatchEventsResponse.newBuilder())).isEqualTo(expected.get(i));
        }
    }

    @Test
    void followRunsWithoutDeadlineAndEndsCleanlyWhenTheDaemonShutsDown() {
        daemon.answer("WatchEvents", new FakeDaemon.Watch(List.of(STARTED, event(2, Event.newBuilder()
                .setDaemonShuttingDown(DaemonShuttingDown.newBuilder().setReason("SIGTERM received")))),
                Status.UNAVAILABLE.withDescription("taskmasterd is shutting down")));

        Result r = run("events", "--follow");

        assertThat(r.outLines()).containsExactly(
                "#1 2026-11-18 11:06:40 taskmasterd 0.1.0 started (pid 42, config /etc/tm.yaml)",
                "#2 2026-11-18 11:06:40 taskmasterd shutting down: SIGTERM received");
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        assertThat(daemon.received).singleElement().satisfies(c -> assertThat(c.deadline()).isNull());
    }

    @Test
    void followThatLosesTheDaemonUnexpectedlyIs6() {
        daemon.answer("WatchEvents", new FakeDaemon.Watch(List.of(STARTED), Status.UNAVAILABLE.withDescription("connection lost")));

        Result r = run("events", "-f");

        assertThat(r.outLines()).hasSize(1);
        assertThat(r.exit()).isEqualTo(6);
    }
}
