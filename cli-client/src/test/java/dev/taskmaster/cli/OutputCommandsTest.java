package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.AttachStarted;
import dev.taskmaster.proto.v1.InputLease;
import dev.taskmaster.proto.v1.InputMode;
import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ListProcessesResponse;
import dev.taskmaster.proto.v1.OutputChunk;
import dev.taskmaster.proto.v1.OutputSkipped;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.ReadDaemonLogRequest;
import dev.taskmaster.proto.v1.ReadDaemonLogResponse;
import dev.taskmaster.proto.v1.TailOutputRequest;
import dev.taskmaster.proto.v1.TailOutputResponse;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** tail, logs, maintail against a daemon that keeps output the way the contract describes. */
class OutputCommandsTest extends CtlTest {

    /**
     * Bytes a daemon keeps of one stream: those before {@code lostBefore} are gone. Answers at most
     * {@code cap} bytes per read, so the client has to read backwards in pieces.
     */
    record Kept(String text, long lostBefore, int cap) {
        TailOutputResponse tail(TailOutputRequest q) {
            byte[] all = text.getBytes(StandardCharsets.UTF_8);
            long max = Math.min(q.getMaxBytes() == 0 ? 65536 : q.getMaxBytes(), cap);
            long from = q.hasOffset() ? q.getOffset() : Math.max(0, all.length - max);
            long start = Math.max(from, lostBefore);
            long end = Math.min(all.length, start + max);
            start = Math.min(start, end);
            return TailOutputResponse.newBuilder().setData(ByteString.copyFrom(all, (int) start, (int) (end - start)))
                    .setOffset(start).setNextOffset(end).setBytesLost(start - from).build();
        }

        ReadDaemonLogResponse log(ReadDaemonLogRequest q) {
            TailOutputResponse t = tail(TailOutputRequest.newBuilder().setMaxBytes(q.getMaxBytes())
                    .setOffset(q.hasOffset() ? q.getOffset() : -1).build());
            if (!q.hasOffset()) {
                t = tail(TailOutputRequest.newBuilder().setMaxBytes(q.getMaxBytes()).build());
            }
            return ReadDaemonLogResponse.newBuilder().setData(t.getData()).setOffset(t.getOffset())
                    .setNextOffset(t.getNextOffset()).setBytesLost(t.getBytesLost()).build();
        }
    }

    private static String numbered(int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i <= to; i++) {
            s.append("line ").append(i).append('\n');
        }
        return s.toString();
    }

    private void keep(Map<String, Kept> byProcess) {
        daemon.answer("TailOutput", (FakeDaemon.Handler<TailOutputRequest, TailOutputResponse>) (q, r) -> {
            Kept kept = byProcess.get(q.getName());
            if (kept == null) {
                r.onError(Status.NOT_FOUND.withDescription("no process named \"" + q.getName() + "\"").asRuntimeException());
                return;
            }
            r.onNext(kept.tail(q));
            r.onCompleted();
        });
    }

    private static AttachOutputResponse chunk(String text, long offset) {
        return AttachOutputResponse.newBuilder().setChunk(OutputChunk.newBuilder().setOffset(offset)
                .setData(ByteString.copyFromUtf8(text))).build();
    }

    @Test
    void tailShowsTheLastTenLinesOfStdoutReadBackwardsInPieces() {
        keep(Map.of("web", new Kept(numbered(1, 500), 0, 40)));

        Result r = run("tail", "web");

        assertThat(r.outLines()).containsExactlyElementsOf(numbered(491, 500).lines().toList());
        assertThat(r.exit()).isZero();
        List<TailOutputRequest> asked = daemon.requests(TailOutputRequest.class);
        assertThat(asked).hasSizeGreaterThan(1).allSatisfy(q -> {
            assertThat(q.getName()).isEqualTo("web");
            assertThat(q.getStream()).isEqualTo(OutputStream.OUTPUT_STREAM_STDOUT);
        });
    }

    @Test
    void tailLinesBytesAndStreamChoices() {
        keep(Map.of("web", new Kept("alpha\nbeta\ngamma", 0, 1 << 20)));

        assertThat(run("tail", "-n", "2", "web").out()).isEqualTo("beta\ngamma");
        assertThat(run("tail", "-c", "4", "web", "stderr").out()).isEqualTo("amma");
        assertThat(daemon.requests(TailOutputRequest.class).getLast().getStream()).isEqualTo(OutputStream.OUTPUT_STREAM_STDERR);
        assertThat(run("tail", "-n", "100", "web", "both").out()).isEqualTo("alpha\nbeta\ngamma");
        assertThat(daemon.requests(TailOutputRequest.class).getLast().getStream()).isEqualTo(OutputStream.OUTPUT_STREAM_COMBINED);

        Result bad = run("tail", "web", "stdin");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).isEqualTo("taskmasterctl: unknown stream \"stdin\": use stdout, stderr or both\n");
        Result both = run("tail", "-n", "2", "-c", "3", "web");
        assertThat(both.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(both.err()).contains("mutually exclusive");
    }

    @Test
    void tailStopsAtBytesNoLongerKept() {
        // Only the last 30 bytes are still held; ten lines would need more.
        String text = numbered(1, 20);
        keep(Map.of("web", new Kept(text, text.length() - 30, 16)));

        Result r = run("tail", "web");

        // What is kept starts mid-line ("e 17\n"...): shown as kept, nothing older asked for again and again.
        assertThat(r.out()).isEqualTo(text.substring(text.length() - 30));
        assertThat(daemon.requests(TailOutputRequest.class)).hasSizeLessThan(10);
        assertThat(r.exit()).isZero();
    }

    @Test
    void tailOfAnUnknownProcessIsNotFound() {
        keep(Map.of("web", new Kept("x\n", 0, 100)));

        Result r = run("tail", "wbe");

        assertThat(r.exit()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(r.err()).isEqualTo("taskmasterctl: no process named \"wbe\"\n");
    }

    @Test
    void tailFollowGoesOnFromWhereTheTailEndedAndReportsSkips() {
        keep(Map.of("web", new Kept("one\ntwo\n", 0, 1000)));
        // A multi-byte character split between two chunks must come out whole.
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        daemon.answer("AttachOutput", (FakeDaemon.Handler<AttachOutputRequest, AttachOutputResponse>) (q, r) -> {
            r.onNext(AttachOutputResponse.newBuilder().setStarted(AttachStarted.newBuilder().setSessionId("s1")).build());
            r.onNext(chunk("three\n", 8));
            r.onNext(AttachOutputResponse.newBuilder().setChunk(OutputChunk.newBuilder().setOffset(14)
                    .setData(ByteString.copyFrom(euro, 0, 1))).build());
            r.onNext(AttachOutputResponse.newBuilder().setChunk(OutputChunk.newBuilder().setOffset(15)
                    .setData(ByteString.copyFrom(euro, 1, 2).concat(ByteString.copyFromUtf8("\n")))).build());
            r.onNext(AttachOutputResponse.newBuilder().setSkipped(OutputSkipped.newBuilder().setBytesSkipped(4096)
                    .setResumeOffset(4114)).build());
            r.onNext(chunk("four\n", 4114));
            r.onCompleted();
        });

        Result r = run("tail", "-f", "web");

        assertThat(r.out()).isEqualTo("one\ntwo\nthree\n€\nfour\n");
        assertThat(r.err()).isEqualTo("taskmasterctl: web: 4096 bytes of output skipped (too far behind, or no longer kept)\n");
        AttachOutputRequest asked = daemon.requests(AttachOutputRequest.class).getFirst();
        assertThat(asked.getFromOffset()).isEqualTo(8);
        assertThat(asked.getInputMode()).isEqualTo(InputMode.INPUT_MODE_READ_ONLY);
        assertThat(asked.getStream()).isEqualTo(OutputStream.OUTPUT_STREAM_STDOUT);
        assertThat(daemon.received.getLast().deadline()).as("following has no deadline").isNull();
        assertThat(r.exit()).isZero();
    }

    @Test
    void logsPrefixesEveryLineWithItsAlignedProcessName() {
        daemon.answer("ListProcesses", ListProcessesResponse.newBuilder()
                .addProcesses(Fixtures.running("web", 10, 1)).addProcesses(Fixtures.running("worker:0", 11, 1)).build());
        keep(Map.of("web", new Kept(numbered(1, 30), 0, 64), "worker:0", new Kept("ready\nhalf a line", 0, 64)));

        Result r = run("logs", "-n", "2");

        assertThat(r.outLines()).containsExactly(
                "web      | line 29",
                "web      | line 30",
                "worker:0 | ready",
                "worker:0 | half a line");
        assertThat(daemon.requests(TailOutputRequest.class)).allSatisfy(q ->
                assertThat(q.getStream()).isEqualTo(OutputStream.OUTPUT_STREAM_COMBINED));
        assertThat(daemon.requests(ListProcessesRequest.class).getFirst().getTargetsList()).isEmpty();
        assertThat(r.exit()).isZero();

        daemon.answer("ListProcesses", ListProcessesResponse.newBuilder().addProcesses(Fixtures.running("web", 10, 1)).build());
        assertThat(run("logs", "--no-prefix", "-n", "1", "web").outLines()).containsExactly("line 30");
        assertThat(daemon.requests(ListProcessesRequest.class).getLast().getTargetsList()).containsExactly("web");
    }

    @Test
    void logsFollowPrintsWholeLinesFromEveryProcess() {
        daemon.answer("ListProcesses", ListProcessesResponse.newBuilder()
                .addProcesses(Fixtures.running("a", 10, 1)).addProcesses(Fixtures.running("b", 11, 1)).build());
        keep(Map.of("a", new Kept("", 0, 64), "b", new Kept("", 0, 64)));
        daemon.answer("AttachOutput", (FakeDaemon.Handler<AttachOutputRequest, AttachOutputResponse>) (q, r) -> {
            // Each process writes a line in two pieces; the pieces of the two processes interleave.
            r.onNext(chunk("first ha", 0));
            r.onNext(chunk("lf of " + q.getName() + "\nsecond of " + q.getName(), 8));
            r.onCompleted();
        });

        Result r = run("logs", "-f");

        assertThat(r.outLines()).containsExactlyInAnyOrder("a | first half of a", "a | second of a", "b | first half of b",
                "b | second of b");
        assertThat(r.outLines().indexOf("a | first half of a")).isLessThan(r.outLines().indexOf("a | second of a"));
        assertThat(r.outLines().indexOf("b | first half of b")).isLessThan(r.outLines().indexOf("b | second of b"));
        assertThat(daemon.requests(AttachOutputRequest.class)).hasSize(2).allSatisfy(q ->
                assertThat(q.getStream()).isEqualTo(OutputStream.OUTPUT_STREAM_COMBINED));
        assertThat(r.exit()).isZero();
    }

    @Test
    void maintailShowsTheEndOfTheDaemonLog() {
        Kept log = new Kept(numbered(1, 50), 0, 100);
        daemon.answer("ReadDaemonLog", (FakeDaemon.Handler<ReadDaemonLogRequest, ReadDaemonLogResponse>) (q, r) -> {
            r.onNext(log.log(q));
            r.onCompleted();
        });

        assertThat(run("maintail", "-n", "3").outLines()).containsExactly("line 48", "line 49", "line 50");
        assertThat(run("maintail").outLines()).containsExactlyElementsOf(numbered(41, 50).lines().toList());
        assertThat(run("maintail", "-c", "8").out()).isEqualTo("line 50\n");
    }
}
