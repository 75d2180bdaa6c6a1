package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.SendInputRequest;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.output.OffsetSpace;
import dev.taskmaster.server.output.ProcessOutput;
import dev.taskmaster.server.output.Viewer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * An AttachOutput viewer that stops reading costs nothing while it does not read (issue 11):
 * its session runs no drain, so it reads no ring and sends nothing, however much the program
 * prints; when it reads again it is told exactly what it missed, then gets the rest.
 */
class StalledViewerTest {

    /** What the program prints once told to: many pump batches, far more than the 1 MiB ring holds. */
    static final long TOTAL = 32L * 1024 * 1024;
    static final String TAIL = "\nDONE\n";

    @TempDir
    Path tmp;

    @RepeatedTest(3)
    void aStalledViewerRunsNoDrainUntilItReadsAndIsThenToldExactlyWhatItMissed() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, """
                programs:
                  big:
                    cmd: "sh -c 'read go; yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ | head -c %d; echo; echo DONE; read x; echo LIVE-$x; exec sleep 60'"
                    starttime: 0
                    stopsignal: KILL
                    logfile_maxbytes: 0
                """.formatted(TOTAL))) {
            d.await("big", ProcessState.RUNNING);
            ProcessOutput output = d.outputs.of("big");
            long attachedAt = output.ring().end(OffsetSpace.COMBINED);
            Attached viewer = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("big").build(), true);
            viewer.sessionId();
            AttachSession session = d.service.outputRpcs().sessions().stream().findFirst().orElseThrow();
            LiveDaemon.until("the session to stall on its client's window", 10_000, session::stalledAndIdle);
            long drains = session.drains();
            // Another viewer on the same output counts the batches the pump hands to viewers.
            AtomicLong batches = new AtomicLong();
            Viewer counter = batches::incrementAndGet;
            output.addViewer(counter);

            input(d, "go\n");
            long end = attachedAt + TOTAL + TAIL.length();
            LiveDaemon.until("all output in the ring", 60_000, () -> output.ring().end(OffsetSpace.COMBINED) == end);
            output.removeViewer(counter);

            assertThat(batches.get()).as("batches the pump woke viewers for").isGreaterThan(100);
            assertThat(session.drains()).as("drains of the stalled session while %d batches went by", batches.get())
                    .isEqualTo(drains);
            assertThat(session.stalled()).isTrue();
            assertThat(viewer.messages).hasSize(1); // AttachStarted, nothing else

            // It reads again: first what it missed, exactly, then the newest output to the end.
            viewer.request(1_000_000);
            viewer.awaitText("DONE\n");
            List<AttachOutputResponse> got = viewer.messages.subList(1, viewer.messages.size());
            AttachOutputResponse skip = got.getFirst();
            assertThat(skip.hasSkipped()).as("the first message after the stall: %s", skip.getKindCase()).isTrue();
            long ringStart = output.ring().start(OffsetSpace.COMBINED);
            assertThat(skip.getSkipped().getResumeOffset()).isEqualTo(ringStart);
            assertThat(skip.getSkipped().getBytesSkipped()).isEqualTo(ringStart - attachedAt);
            assertThat(got.stream().filter(AttachOutputResponse::hasSkipped)).hasSize(1);
            long next = skip.getSkipped().getResumeOffset();
            for (AttachOutputResponse m : got.subList(1, got.size())) {
                if (m.hasChunk()) {
                    assertThat(m.getChunk().getOffset()).as("chunks follow each other").isEqualTo(next);
                    next += m.getChunk().getData().size();
                }
            }
            assertThat(next).isEqualTo(end);
            assertThat(skip.getSkipped().getBytesSkipped() + viewer.bytesReceived()).isEqualTo(end - attachedAt);
            assertThat(session.stalled()).isFalse();

            // Awake again, it follows live output at once.
            input(d, "now\n");
            viewer.awaitText("LIVE-now\n");
            viewer.cancel();
        }
    }

    private static void input(LiveDaemon d, String text) {
        d.stub().sendInput(SendInputRequest.newBuilder().setName("big").setData(ByteString.copyFromUtf8(text)).build());
    }
}
