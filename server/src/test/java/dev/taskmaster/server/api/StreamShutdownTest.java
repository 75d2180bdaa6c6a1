package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.WatchEventsRequest;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import dev.taskmaster.server.engine.ProcessState;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * At shutdown every stream ends promptly with UNAVAILABLE "taskmasterd is shutting down" (issue
 * 11): watches after what is queued for them (so a client sees the shutdown event), attach
 * streams whether or not their client reads, and any stream that starts afterwards at once.
 */
class StreamShutdownTest {

    @TempDir
    Path tmp;

    @RepeatedTest(3)
    void endStreamsEndsEveryWatchAndAttachWithUnavailableAfterTheShutdownEvent() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, """
                programs:
                  talk:
                    cmd: "sh -c 'while true; do echo tick; sleep 0.01; done'"
                    starttime: 0
                """)) {
            d.await("talk", ProcessState.RUNNING);
            int listeners = d.journal.listenerCount();
            Watched reading = Watched.watch(d.async(), WatchEventsRequest.getDefaultInstance(), false);
            Watched stalled = Watched.watch(d.async(), WatchEventsRequest.getDefaultInstance(), true);
            Attached viewer = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("talk").build(), false);
            Attached stalledViewer = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("talk").build(), true);
            reading.awaitSnapshot();
            stalled.awaitSnapshot();
            viewer.awaitText("tick\n");
            stalledViewer.sessionId();
            LiveDaemon.until("every stream open", 10_000, () -> d.service.watchSessions().size() == 2
                    && d.service.outputRpcs().sessions().size() == 2);

            // As the daemon does: stop everything (the shutdown event goes to every watch), then end the streams.
            d.engine.shutdown("test shutdown", "tester").get(30, TimeUnit.SECONDS);
            d.service.endStreams();

            Status shuttingDown = Status.UNAVAILABLE.withDescription("taskmasterd is shutting down");
            for (Watched w : List.of(reading, stalled)) {
                if (w == stalled) {
                    w.request(Integer.MAX_VALUE); // what was queued for it comes first, then the end
                }
                assertThat(w.awaitEnd()).usingRecursiveComparison().comparingOnlyFields("code", "description")
                        .isEqualTo(shuttingDown);
                // Everything up to the end of the journal, the shutdown event among it.
                assertThat(w.messages.stream().filter(WatchEventsResponse::hasEvent).map(m -> m.getEvent().getPayloadCase()))
                        .contains(Event.PayloadCase.DAEMON_SHUTTING_DOWN);
                assertThat(w.messages.getLast().getEvent().getSequence()).isEqualTo(d.journal.lastSequence());
            }
            for (Attached a : List.of(viewer, stalledViewer)) {
                assertThat(a.awaitEnd()).usingRecursiveComparison().comparingOnlyFields("code", "description")
                        .isEqualTo(shuttingDown);
            }
            LiveDaemon.until("every session gone", 10_000, () -> d.service.watchSessions().isEmpty()
                    && d.service.outputRpcs().sessions().isEmpty() && d.journal.listenerCount() == listeners);

            // A stream that starts now ends at once, the same way.
            Watched late = Watched.watch(d.async(), WatchEventsRequest.getDefaultInstance(), false);
            Attached lateViewer = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("talk").build(), false);
            assertThat(late.awaitEnd()).usingRecursiveComparison().comparingOnlyFields("code", "description")
                    .isEqualTo(shuttingDown);
            assertThat(late.messages).isEmpty();
            assertThat(lateViewer.awaitEnd()).usingRecursiveComparison().comparingOnlyFields("code", "description")
                    .isEqualTo(shuttingDown);
            assertThat(d.journal.listenerCount()).isEqualTo(listeners);
        }
    }
}
