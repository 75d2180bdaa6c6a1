package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.ClearOutputRequest;
import dev.taskmaster.proto.v1.ClearOutputResponse;
import dev.taskmaster.proto.v1.InputMode;
import dev.taskmaster.proto.v1.ReadDaemonLogRequest;
import dev.taskmaster.proto.v1.ReadDaemonLogResponse;
import dev.taskmaster.proto.v1.ResizeTerminalRequest;
import dev.taskmaster.proto.v1.SendInputRequest;
import dev.taskmaster.proto.v1.TailOutputRequest;
import dev.taskmaster.proto.v1.TailOutputResponse;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.output.OffsetSpace;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each output RPC's errors, each with a sentence a person can act on; and the plain cases of tail, clear and the daemon log. */
class OutputRpcsTest {

    @TempDir
    Path tmp;
    LiveDaemon d;

    @BeforeEach
    void setUp() throws Exception {
        d = new LiveDaemon(tmp, """
                programs:
                  web: {cmd: "sh -c 'echo hello; exec sleep 60'", numprocs: 2, starttime: 0, stopsignal: KILL}
                  idle: {cmd: "sleep 60", autostart: false}
                  term: {cmd: "sh -c 'echo ready; exec sleep 60'", tty: true, starttime: 0, stopsignal: KILL}
                """);
        d.await("web:0", ProcessState.RUNNING);
        d.await("term", ProcessState.RUNNING);
    }

    @AfterEach
    void tearDown() throws Exception {
        d.close();
    }

    private static Status status(Runnable call) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, call::run);
        assertThat(e).as("expected the call to fail").isNotNull();
        return e.getStatus();
    }

    @Test
    void tailErrors() {
        Status unknown = status(() -> d.stub().tailOutput(TailOutputRequest.newBuilder().setName("wbe:0").build()));
        assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.getDescription()).contains("did you mean \"web:0\"");
        Status several = status(() -> d.stub().tailOutput(TailOutputRequest.newBuilder().setName("web").build()));
        assertThat(several.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(several.getDescription()).contains("names 2 processes (web:0, web:1); name one");
        assertThat(status(() -> d.stub().tailOutput(TailOutputRequest.newBuilder().setName("web:0").setOffset(-1).build()))
                .getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(status(() -> d.stub().tailOutput(TailOutputRequest.newBuilder().setName("web:0").setMaxBytes(-1).build()))
                .getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        Status future = status(() -> d.stub().tailOutput(TailOutputRequest.newBuilder().setName("web:0").setOffset(1 << 30).build()));
        assertThat(future.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(future.getDescription()).contains("beyond the end");
        assertThat(status(() -> d.stub().tailOutput(TailOutputRequest.newBuilder().build())).getDescription())
                .contains("name the process");
    }

    @Test
    void tailAndClearKeepOffsetsGrowing() throws Exception {
        LiveDaemon.until("web:0 to print", 10_000, () -> d.outputs.of("web:0").ring().end(OffsetSpace.COMBINED) == 6);
        TailOutputResponse t = d.stub().tailOutput(TailOutputRequest.newBuilder().setName("web:0").build());
        assertThat(t.getData().toStringUtf8()).isEqualTo("hello\n");
        assertThat(t.getOffset()).isZero();
        assertThat(t.getNextOffset()).isEqualTo(6);
        ClearOutputResponse cleared = d.stub().clearOutput(ClearOutputRequest.newBuilder().addTargets("web:*").build());
        assertThat(cleared.getResultsList()).extracting(r -> r.getFullName() + "=" + r.getStatus().getCode())
                .containsExactly("web:0=0", "web:1=0");
        assertThat(Files.size(d.dir.resolve("logs/web:0.stdout.log"))).isZero();
        TailOutputResponse after = d.stub().tailOutput(TailOutputRequest.newBuilder().setName("web:0").setOffset(0).build());
        assertThat(after.getData().isEmpty()).isTrue();
        assertThat(after.getOffset()).isEqualTo(6);
        assertThat(after.getBytesLost()).isEqualTo(6);
        assertThat(status(() -> d.stub().clearOutput(ClearOutputRequest.newBuilder().addTargets("nope").build())).getCode())
                .isEqualTo(Status.Code.NOT_FOUND);
        assertThat(status(() -> d.stub().clearOutput(ClearOutputRequest.getDefaultInstance())).getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void inputAndResizeErrors() throws Exception {
        SendInputRequest.Builder in = SendInputRequest.newBuilder().setData(ByteString.copyFromUtf8("x"));
        Status stopped = status(() -> d.stub().sendInput(in.setName("idle").build()));
        assertThat(stopped.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(stopped.getDescription()).isEqualTo("\"idle\" is not running; start it first");
        assertThat(status(() -> d.stub().sendInput(in.setName("nope").build())).getCode()).isEqualTo(Status.Code.NOT_FOUND);
        Status noSession = status(() -> d.stub().sendInput(in.setName("web:0").setSessionId("no-such-session").build()));
        assertThat(noSession.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(noSession.getDescription()).contains("attach first");

        ResizeTerminalRequest.Builder rs = ResizeTerminalRequest.newBuilder().setName("term").setRows(10).setCols(40);
        assertThat(status(() -> d.stub().resizeTerminal(rs.setRows(0).build())).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        rs.setRows(10);
        assertThat(status(() -> d.stub().resizeTerminal(rs.build())).getDescription()).contains("session_id is required");
        assertThat(status(() -> d.stub().resizeTerminal(rs.setSessionId("x").build())).getCode()).isEqualTo(Status.Code.NOT_FOUND);

        // One session holds the terminal: input without a session, and a read-only session, are refused.
        Attached owner = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("term")
                .setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).build(), false);
        owner.sessionId();
        Attached watcher = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("term").build(), false);
        String watching = watcher.sessionId();
        Status held = status(() -> d.stub().sendInput(SendInputRequest.newBuilder().setName("term")
                .setData(ByteString.copyFromUtf8("x")).build()));
        assertThat(held.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(held.getDescription()).contains("held by " + LiveDaemon.ADMIN.identity());
        Status readOnly = status(() -> d.stub().resizeTerminal(rs.setSessionId(watching).build()));
        assertThat(readOnly.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(readOnly.getDescription()).contains("held by");
        d.stub().resizeTerminal(rs.setSessionId(owner.sessionId()).build());

        // Resizing a program without a terminal.
        Attached pipe = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("web:1")
                .setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).build(), false);
        Status notTty = status(() -> d.stub().resizeTerminal(ResizeTerminalRequest.newBuilder().setName("web:1")
                .setSessionId(sessionOf(pipe)).setRows(5).setCols(5).build()));
        assertThat(notTty.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(notTty.getDescription()).contains("tty: true");
        owner.cancel();
        watcher.cancel();
        pipe.cancel();
    }

    private static String sessionOf(Attached a) {
        try {
            return a.sessionId();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void attachErrorsEndTheStream() throws Exception {
        Attached unknown = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("nope").build(), false);
        assertThat(unknown.awaitEnd().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        Attached several = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("web").build(), false);
        assertThat(several.awaitEnd().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        Attached negative = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("web:0")
                .setScrollbackBytes(-1).build(), false);
        assertThat(negative.awaitEnd().getDescription()).contains("scrollback_bytes");
        // detach_on_exit on a process that is not running: what is held, then the end.
        Attached down = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("idle")
                .setDetachOnExit(true).build(), false);
        assertThat(down.awaitEnd().getCode()).isEqualTo(Status.Code.OK);
        assertThat(down.messages.getFirst().hasStarted()).isTrue();
    }

    @Test
    void daemonLog() throws Exception {
        Status missing = status(() -> d.stub().readDaemonLog(ReadDaemonLogRequest.getDefaultInstance()));
        assertThat(missing.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(status(() -> d.stub().readDaemonLog(ReadDaemonLogRequest.newBuilder().setOffset(-5).build())).getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        Files.writeString(d.dir.resolve("taskmasterd.log"), "line one\nline two\n");
        ReadDaemonLogResponse tail = d.stub().readDaemonLog(ReadDaemonLogRequest.newBuilder().setMaxBytes(9).build());
        assertThat(tail.getData().toStringUtf8()).isEqualTo("line two\n");
        assertThat(tail.getOffset()).isEqualTo(9);
        ReadDaemonLogResponse from = d.stub().readDaemonLog(ReadDaemonLogRequest.newBuilder().setOffset(5).build());
        assertThat(from.getData().toStringUtf8()).isEqualTo("one\nline two\n");
        assertThat(from.getNextOffset()).isEqualTo(18);
    }
}
