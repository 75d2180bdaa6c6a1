package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.util.Durations;
import dev.taskmaster.proto.v1.AddProgramRequest;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.EventsMissedReason;
import dev.taskmaster.proto.v1.GetServerInfoRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.ProcessUsage;
import dev.taskmaster.proto.v1.StartProcessesRequest;
import dev.taskmaster.proto.v1.StopProcessesRequest;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import dev.taskmaster.server.engine.ProcessState;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WatchEvents against every sentence of its contract (taskmaster.proto: the rpc, WatchEventsRequest;
 * events.proto: Event, Snapshot, EventsMissed, Heartbeat, UsageReport), in process against the
 * real engine and real processes. Each test quotes the sentence it checks.
 */
class EventsConformanceTest {

    static final String QUIET = """
            programs:
              quiet:
                cmd: sleep 1000
                starttime: 0
              other:
                cmd: sleep 1000
                starttime: 0
            """;

    @TempDir
    Path tmp;

    private static StatusRuntimeException refused(Supplier<Iterator<WatchEventsResponse>> call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> call.get().hasNext());
        assertThat(e).as("expected the stream to fail").isNotNull();
        return e;
    }

    private static WatchEventsRequest from(long sequence) {
        return WatchEventsRequest.newBuilder().setFromSequence(sequence).build();
    }

    private static void restart(LiveDaemon d, String target) {
        d.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets(target).setWait(true).build());
        d.stub().startProcesses(StartProcessesRequest.newBuilder().addTargets(target).setWait(true).build());
    }

    /** "N > 0 = resume: replay every kept event with sequence >= N, then live events (no Snapshot)." */
    @Test
    void resumingFromNReplaysEventNItselfThenEveryLaterOneThenLiveEvents() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, QUIET)) {
            d.await("quiet", ProcessState.RUNNING);
            long before = d.journal.lastSequence();
            restart(d, "quiet");
            String journal = d.stub().getServerInfo(GetServerInfoRequest.getDefaultInstance()).getJournalId();
            Iterator<WatchEventsResponse> it = d.stub().watchEvents(WatchEventsRequest.newBuilder().setFromSequence(before)
                    .setJournalId(journal).build());
            long last = d.journal.lastSequence();
            for (long n = before; n <= last; n++) {
                WatchEventsResponse m = it.next();
                assertThat(m.hasEvent()).as("message %s: %s", n, m).isTrue();
                assertThat(m.getEvent().getSequence()).isEqualTo(n);
            }
            d.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets("other").build());
            assertThat(it.next().getEvent().getSequence()).as("then live events").isEqualTo(last + 1);
        }
    }

    /** "Sequence numbers start at 1" and "N > 0 = resume ... sequence >= N": event 1 can be replayed. */
    @Test
    void eventOneIsReplayedFromSequenceOne() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, QUIET)) {
            d.await("quiet", ProcessState.RUNNING);
            Iterator<WatchEventsResponse> it = d.stub().watchEvents(from(1));
            assertThat(it.next().getEvent().getSequence()).isEqualTo(1);
            assertThat(it.next().getEvent().getSequence()).isEqualTo(2);
        }
    }

    /**
     * Heartbeat: "A watcher may resume from this + 1 without missing anything"; the next
     * sequence is not the future, it is where a watcher that has seen everything resumes.
     */
    @Test
    void fromTheNextSequenceThereIsNoSnapshotAndTheNextEventComesFirst() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, QUIET)) {
            d.await("quiet", ProcessState.RUNNING);
            d.await("other", ProcessState.RUNNING);
            long next = d.journal.lastSequence() + 1;
            Iterator<WatchEventsResponse> it = d.stub().watchEvents(from(next));
            d.stub().stopProcesses(StopProcessesRequest.newBuilder().addTargets("quiet").setWait(true).build());
            WatchEventsResponse first = it.next();
            assertThat(first.hasEvent()).as("no snapshot: %s", first).isTrue();
            assertThat(first.getEvent().getSequence()).isEqualTo(next);
        }
    }

    /**
     * events.proto: sequence numbers "increase by exactly 1 per event"; Event.sequence: "A watcher
     * using a target filter sees gaps" (and one without a filter none). A rejected configuration
     * changes nothing and has no event of the contract: it must not take a number.
     */
    @Test
    void aWatcherWithoutFilterSeesNoGapEvenAcrossARejectedConfiguration() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, QUIET)) {
            d.await("quiet", ProcessState.RUNNING);
            d.await("other", ProcessState.RUNNING);
            long start = d.journal.lastSequence();
            Iterator<WatchEventsResponse> it = d.stub().watchEvents(from(start + 1));
            d.engine.reloadRejected(List.of());
            restart(d, "quiet");
            d.engine.reloadRejected(List.of());
            restart(d, "other");
            long end = d.journal.lastSequence();
            assertThat(end - start).as("the restarts' state changes").isGreaterThanOrEqualTo(4);
            for (long n = start + 1; n <= end; n++) {
                assertThat(it.next().getEvent().getSequence()).isEqualTo(n);
            }
        }
    }

    /** "Codes: INVALID_ARGUMENT (... from_sequence in the future of the given journal_id)"; uint64 on the wire. */
    @Test
    void aSequenceInTheFutureIsInvalidEvenBeyondTwoToTheSixtyThree() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, QUIET)) {
            d.await("quiet", ProcessState.RUNNING);
            String journal = d.stub().getServerInfo(GetServerInfoRequest.getDefaultInstance()).getJournalId();
            long latest = d.journal.lastSequence();
            record Case(long sequence, String printed) {
            }
            for (Case c : List.of(new Case(latest + 2, Long.toString(latest + 2)), new Case(Long.MIN_VALUE, "9223372036854775808"),
                    new Case(-1L, "18446744073709551615"))) {
                for (String id : List.of("", journal)) {
                    StatusRuntimeException e = refused(() -> d.stub().watchEvents(WatchEventsRequest.newBuilder()
                            .setFromSequence(c.sequence()).setJournalId(id).build()));
                    assertThat(e.getStatus().getCode()).as("from %s", c.printed()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).startsWith("from_sequence " + c.printed() + " is in the future:")
                            .contains("the latest event of journal " + journal + " is ")
                            .contains("resume from the last sequence seen + 1");
                }
            }
            assertThat(d.service.watchSessions()).as("a refused watch leaves nothing behind").isEmpty();
        }
    }

    /** "If event N is no longer kept (or journal_id differs), the stream starts with EventsMissed and a fresh Snapshot." */
    @Test
    void aSequenceOfAnotherJournalIsADaemonRestartNotTheFuture() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, QUIET)) {
            d.await("quiet", ProcessState.RUNNING);
            Iterator<WatchEventsResponse> it = d.stub().watchEvents(WatchEventsRequest.newBuilder().setFromSequence(-1L)
                    .setJournalId("a-previous-run").build());
            WatchEventsResponse missed = it.next();
            assertThat(missed.getEventsMissed().getReason()).isEqualTo(EventsMissedReason.EVENTS_MISSED_REASON_DAEMON_RESTARTED);
            assertThat(missed.getEventsMissed().getRequestedSequence()).isEqualTo(-1L);
            assertThat(it.next().hasSnapshot()).isTrue();
        }
    }

    /**
     * "If event N is no longer kept ... EventsMissed and a fresh Snapshot"; EventsMissed:
     * "oldest_available_sequence: Oldest sequence still held". The oldest kept is not missed.
     */
    @Test
    void aSequenceNoLongerKeptIsHistoryTruncatedAndTheOldestKeptIsNot() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, QUIET, (transport, headers) -> LiveDaemon.ADMIN, 8)) {
            d.await("quiet", ProcessState.RUNNING);
            while (d.journal.oldestSequence() <= 2) {
                restart(d, "quiet");
            }
            long oldest = d.journal.oldestSequence();
            String journal = d.stub().getServerInfo(GetServerInfoRequest.getDefaultInstance()).getJournalId();
            for (long asked : new long[] {1, oldest - 1}) {
                Iterator<WatchEventsResponse> it = d.stub().watchEvents(from(asked));
                WatchEventsResponse missed = it.next();
                assertThat(missed.getEventsMissed().getReason()).isEqualTo(EventsMissedReason.EVENTS_MISSED_REASON_HISTORY_TRUNCATED);
                assertThat(missed.getEventsMissed().getRequestedSequence()).isEqualTo(asked);
                assertThat(missed.getEventsMissed().getOldestAvailableSequence()).isEqualTo(oldest);
                assertThat(missed.getEventsMissed().getJournalId()).isEqualTo(journal);
                assertThat(it.next().getSnapshot().getSequence()).isEqualTo(d.journal.lastSequence());
            }
            Iterator<WatchEventsResponse> kept = d.stub().watchEvents(from(oldest));
            assertThat(kept.next().getEvent().getSequence()).isEqualTo(oldest);
        }
    }

    /**
     * "Targets matching nothing yet are allowed (they apply to processes as they appear)";
     * "events not about a process (configuration, daemon) are always sent".
     */
    @Test
    void aTargetThatMatchesNothingYetAppliesToTheProcessesThatAppearLater() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, QUIET)) {
            d.await("quiet", ProcessState.RUNNING);
            Iterator<WatchEventsResponse> byName = d.stub().watchEvents(WatchEventsRequest.newBuilder().addTargets("later").build());
            Iterator<WatchEventsResponse> byGroup = d.stub().watchEvents(WatchEventsRequest.newBuilder().addTargets("jobs:*").build());
            assertThat(byName.next().getSnapshot().getProcessesList()).isEmpty();
            assertThat(byGroup.next().getSnapshot().getProcessesList()).isEmpty();
            restart(d, "quiet"); // not watched: had it leaked, its events would come first
            d.stub().addProgram(AddProgramRequest.newBuilder().setYaml("later:\n  cmd: sleep 1000\n  starttime: 0\n"
                    + "  group: jobs\n").build());
            d.await("later", ProcessState.RUNNING);
            for (Iterator<WatchEventsResponse> it : List.of(byName, byGroup)) {
                List<String> seen = new ArrayList<>();
                while (!seen.contains("added later") || !seen.contains("later RUNNING")) {
                    Event e = it.next().getEvent();
                    seen.add(switch (e.getPayloadCase()) {
                        case PROGRAM_ADDED -> "added " + e.getProgramAdded().getProgram().getName();
                        case PROCESS_STATE_CHANGED -> e.getProcessStateChanged().getProcess().getFullName() + " "
                                + e.getProcessStateChanged().getToState().name().replace("PROCESS_STATE_", "");
                        default -> e.getPayloadCase().name();
                    });
                }
                assertThat(seen).allMatch(x -> x.equals("added later") || x.startsWith("later "));
            }
            for (String target : List.of("later", "jobs:*")) {
                WatchEventsResponse first = d.stub().watchEvents(WatchEventsRequest.newBuilder().addTargets(target).build()).next();
                assertThat(first.getSnapshot().getProcessesList()).as("%s", first).extracting(ProcessInfo::getFullName)
                        .containsExactly("later");
            }
        }
    }

    /** "Codes: INVALID_ARGUMENT (malformed target ...)": an empty target names nothing. */
    @Test
    void anEmptyTargetIsInvalid() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, QUIET)) {
            for (String blank : List.of("", "   ")) {
                StatusRuntimeException e = refused(() -> d.stub().watchEvents(WatchEventsRequest.newBuilder().addTargets("quiet")
                        .addTargets(blank).build()));
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                assertThat(e.getStatus().getDescription()).startsWith("targets[1] is empty; name a process");
            }
        }
    }

    /**
     * "Send a Heartbeat when the stream has been idle this long; the daemon may raise it to a
     * minimum of 1 second." Heartbeat: "Latest sequence in the journal. A watcher may resume from
     * this + 1 without missing anything, even if its filter hid the events up to it."
     */
    @Test
    void aHeartbeatOfOneMillisecondIsRaisedToOneSecondAndCoversFilteredEvents() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, QUIET)) {
            d.await("quiet", ProcessState.RUNNING);
            d.await("other", ProcessState.RUNNING);
            Iterator<WatchEventsResponse> it = d.stub().watchEvents(WatchEventsRequest.newBuilder().addTargets("quiet")
                    .setHeartbeatInterval(Durations.fromMillis(1)).build());
            assertThat(it.next().hasSnapshot()).isTrue();
            restart(d, "other"); // hidden by the filter
            long hidden = d.journal.lastSequence();
            long latest = 0;
            List<com.google.protobuf.Timestamp> sent = new ArrayList<>();
            // Beats go on while "other" restarts: on a loaded machine some may come from before it
            // ended. Read at least three, then on until one covers the hidden events (at most 30).
            for (int i = 0; i < 3 || latest != hidden && i < 30; i++) {
                WatchEventsResponse beat = it.next();
                assertThat(beat.hasHeartbeat()).as("%s", beat).isTrue();
                latest = beat.getHeartbeat().getLatestSequence();
                sent.add(beat.getHeartbeat().getTime());
            }
            // By the daemon's clock, as sent: on a loaded machine a beat may wait in the stream
            // while the test restarts "other", and then two arrive close together.
            for (int i = 1; i < sent.size(); i++) {
                assertThat(com.google.protobuf.util.Timestamps.between(sent.get(i - 1), sent.get(i)))
                        .as("heartbeats %d and %d, 1 s apart at least", i, i + 1)
                        .matches(gap -> Durations.toMillis(gap) >= 950, ">= 950 ms");
            }
            assertThat(latest).isEqualTo(hidden);
            // Resuming from it + 1 misses nothing: the next event about quiet comes first.
            Iterator<WatchEventsResponse> resumed = d.stub().watchEvents(WatchEventsRequest.newBuilder().addTargets("quiet")
                    .setFromSequence(latest + 1).build());
            restart(d, "quiet");
            Event next = resumed.next().getEvent();
            assertThat(next.getSequence()).isEqualTo(latest + 1);
            assertThat(next.getProcessStateChanged().getProcess().getFullName()).isEqualTo("quiet");
        }
    }

    /** Intervals are durations: a negative or malformed one is a bad argument, named. */
    @Test
    void aNegativeOrMalformedIntervalIsInvalid() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, QUIET)) {
            StatusRuntimeException negative = refused(() -> d.stub().watchEvents(WatchEventsRequest.newBuilder()
                    .setHeartbeatInterval(Durations.fromSeconds(-5)).build()));
            assertThat(negative.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(negative.getStatus().getDescription())
                    .isEqualTo("heartbeat_interval must not be negative, was -5s; leave it unset or zero for none");
            StatusRuntimeException malformed = refused(() -> d.stub().watchEvents(WatchEventsRequest.newBuilder()
                    .setUsageInterval(com.google.protobuf.Duration.newBuilder().setSeconds(1).setNanos(-3)).build()));
            assertThat(malformed.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(malformed.getStatus().getDescription()).startsWith("usage_interval is not a valid duration (seconds 1, nanos -3)");
        }
    }

    /**
     * "Send a UsageReport this often; the daemon may raise it to a minimum of 1 second";
     * UsageReport: "One entry per running process matching the filter."
     */
    @Test
    void usageReportsComeEverySecondWithOneEntryPerRunningWatchedProcess() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, QUIET + """
                  idle:
                    cmd: sleep 1000
                    autostart: false
                """)) {
            d.await("quiet", ProcessState.RUNNING);
            d.await("other", ProcessState.RUNNING);
            Iterator<WatchEventsResponse> it = d.stub().watchEvents(WatchEventsRequest.newBuilder().addTargets("quiet")
                    .addTargets("idle").setUsageInterval(Durations.fromMillis(1)).build());
            assertThat(it.next().hasSnapshot()).isTrue();
            List<WatchEventsResponse> reports = new ArrayList<>();
            while (reports.size() < 3) {
                WatchEventsResponse m = it.next();
                if (m.hasUsageReport()) {
                    reports.add(m);
                }
            }
            // By the daemon's sample times, not by arrival: a client thread late to read the
            // snapshot saw the first report sooner after it than the interval.
            for (int i = 1; i < reports.size(); i++) {
                com.google.protobuf.Duration gap = com.google.protobuf.util.Timestamps.between(
                        reports.get(i - 1).getUsageReport().getProcesses(0).getUsage().getSampleTime(),
                        reports.get(i).getUsageReport().getProcesses(0).getUsage().getSampleTime());
                assertThat(Durations.toMillis(gap)).as("reports %d and %d, 1 s apart at least", i, i + 1).isGreaterThanOrEqualTo(950);
            }
            for (WatchEventsResponse r : reports) {
                assertThat(r.getUsageReport().getProcessesList()).extracting(ProcessUsage::getFullName).containsExactly("quiet");
                assertThat(r.getUsageReport().getProcesses(0).getUsage().getRssBytes()).isPositive();
            }
        }
    }

    /**
     * "until the client cancels or the daemon shuts down (the stream then ends with UNAVAILABLE
     * after DaemonShuttingDown and the final state changes)".
     */
    @Test
    void atShutdownTheStreamEndsUnavailableAfterTheShutdownEventAndTheLastStateChanges() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, QUIET)) {
            d.await("quiet", ProcessState.RUNNING);
            Watched w = Watched.watch(d.async(), WatchEventsRequest.getDefaultInstance(), false);
            w.awaitSnapshot();
            d.engine.shutdown("test shutdown", "tester").get(30, TimeUnit.SECONDS);
            d.service.endStreams();
            Status end = w.awaitEnd();
            assertThat(end.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(end.getDescription()).isEqualTo("taskmasterd is shutting down");
            List<String> tail = w.messages.stream().filter(WatchEventsResponse::hasEvent).map(m -> m.getEvent())
                    .dropWhile(e -> !e.hasDaemonShuttingDown())
                    .map(e -> e.hasDaemonShuttingDown() ? "shutdown" : e.getProcessStateChanged().getProcess().getFullName()
                            + " " + e.getProcessStateChanged().getToState().name().replace("PROCESS_STATE_", "")).toList();
            assertThat(tail).containsExactlyInAnyOrder("shutdown", "quiet STOPPING", "other STOPPING", "quiet STOPPED", "other STOPPED");
            assertThat(tail.getFirst()).isEqualTo("shutdown");
            assertThat(w.messages.getLast().getEvent().getSequence()).isEqualTo(d.journal.lastSequence());
        }
    }

    /**
     * The lost event: a watcher that reconnects (a new connection each time) and resumes
     * from the last sequence it saw + 1, while a program restarts in a loop, sees every event of
     * the journal exactly once. Repeated, and at a random point each time.
     */
    @RepeatedTest(12)
    void aWatcherThatReconnectsAndResumesFromLastSeenPlusOneLosesNoEventAndSeesNoneTwice() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, """
                programs:
                  flap:
                    cmd: "sh -c 'sleep 0.03'"
                    starttime: 0
                    autorestart: always
                    backoff: {reset_after: 0}   # a restart loop, not its backoff
                """)) {
            List<Long> seen = new ArrayList<>();
            String journal = d.stub().getServerInfo(GetServerInfoRequest.getDefaultInstance()).getJournalId();
            long start = -1;
            long last = 0;
            for (int round = 0; round < 6; round++) {
                ManagedChannel channel = d.newChannel();
                try (Context.CancellableContext call = Context.current().withCancellation()) {
                    WatchEventsRequest r = round == 0 ? from(0)
                            : WatchEventsRequest.newBuilder().setFromSequence(last + 1).setJournalId(journal).build();
                    Iterator<WatchEventsResponse> it = call.call(() -> TaskmasterServiceGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(30, TimeUnit.SECONDS).watchEvents(r));
                    if (round == 0) {
                        start = it.next().getSnapshot().getSequence();
                        last = start;
                    }
                    int take = ThreadLocalRandom.current().nextInt(1, 40);
                    for (int i = 0; i < take; i++) {
                        WatchEventsResponse m = it.next();
                        assertThat(m.hasEvent()).as("round %s: %s", round, m).isTrue();
                        last = m.getEvent().getSequence();
                        seen.add(last);
                    }
                } finally {
                    channel.shutdownNow(); // the connection goes, with whatever was on its way
                }
            }
            d.engine.stop(List.of("flap")).get(10, TimeUnit.SECONDS);
            d.await("flap", ProcessState.STOPPED);
            long end = d.journal.lastSequence();
            Iterator<WatchEventsResponse> rest = d.stub().watchEvents(WatchEventsRequest.newBuilder().setFromSequence(last + 1)
                    .setJournalId(journal).build());
            while (last < end) {
                last = rest.next().getEvent().getSequence();
                seen.add(last);
            }
            assertThat(seen).as("every event after the snapshot, once, in order")
                    .containsExactlyElementsOf(LongStream.rangeClosed(start + 1, end).boxed().toList());
        }
    }
}
