package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.InputMode;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.ProcessNoticeKind;
import dev.taskmaster.proto.v1.ResizeTerminalRequest;
import dev.taskmaster.proto.v1.SendInputRequest;
import dev.taskmaster.proto.v1.TailOutputRequest;
import dev.taskmaster.proto.v1.TailOutputResponse;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Attach, input, terminals and tail against real processes. */
class ConsoleTest {

    @TempDir
    Path tmp;

    private static SendInputRequest input(String name, String session, String text) {
        return SendInputRequest.newBuilder().setName(name).setSessionId(session).setData(ByteString.copyFromUtf8(text)).build();
    }

    @Test
    void aTtyProgramIsDrivenThroughAttachAndKeepsRunningAfterDetach() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, """
                programs:
                  shell: {cmd: "sh -i", tty: true, starttime: 0, stopsignal: HUP}
                """)) {
            ProcessSnapshot running = d.await("shell", ProcessState.RUNNING);
            for (int round = 0; round < 3; round++) {
                Attached a = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("shell")
                        .setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).setScrollbackBytes(100_000).build(), false);
                String session = a.sessionId();
                AttachOutputResponse started = a.messages.getFirst();
                assertThat(started.getStarted().getTty()).isTrue();
                assertThat(started.getStarted().getInputLease().getGranted()).isTrue();
                int rows = 30 + round;
                d.stub().resizeTerminal(ResizeTerminalRequest.newBuilder().setName("shell").setSessionId(session)
                        .setRows(rows).setCols(101).build());
                d.stub().sendInput(input("shell", session, "echo mark-$((40+" + round + ")); stty size; tty\n"));
                // The terminal echoes what was typed; the shell's answers follow.
                a.awaitText("mark-" + (40 + round));
                a.awaitText(rows + " 101");
                a.awaitText("/dev/pts/");
                a.cancel(); // detach
                LiveDaemon.until("the session to go", 10_000, () -> d.outputs.of("shell").viewerCount() == 0
                        && d.outputs.of("shell").leases().refusal("").isEmpty());
            }
            // Colours go through untouched: the terminal is real.
            Attached b = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("shell")
                    .setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).build(), false);
            d.stub().sendInput(input("shell", b.sessionId(), "printf '\\033[31mred\\033[0m\\n'; test -t 0 && echo is-a-tty\n"));
            b.awaitText("\033[31mred\033[0m");
            b.awaitText("is-a-tty");
            b.cancel();
            ProcessSnapshot after = d.await("shell", ProcessState.RUNNING);
            assertThat(after.pid()).isEqualTo(running.pid());
            assertThat(Files.readString(d.dir.resolve("logs/shell.stdout.log"))).contains("mark-41");
        }
    }

    @Test
    void pipedStdinEchoesAndCloseStdinEndsItWithANoticeAfterTheLastOutput() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, """
                programs:
                  cat: {cmd: "sh -c 'cat; echo last words'", starttime: 0, autorestart: never}
                """)) {
            ProcessSnapshot running = d.await("cat", ProcessState.RUNNING);
            Attached a = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("cat")
                    .setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).setDetachOnExit(true).build(), false);
            String session = a.sessionId();
            assertThat(a.messages.getFirst().getStarted().getTty()).isFalse();
            assertThat(d.stub().sendInput(input("cat", session, "abc\n")).getBytesWritten()).isEqualTo(4);
            a.awaitText("abc\n");
            d.stub().sendInput(input("cat", session, "def\n").toBuilder().setCloseStdin(true).build());
            assertThat(a.awaitEnd().getCode()).isEqualTo(Status.Code.OK);
            assertThat(a.text()).isEqualTo("abc\ndef\nlast words\n");
            AttachOutputResponse last = a.messages.getLast();
            assertThat(last.hasProcessNotice()).isTrue();
            assertThat(last.getProcessNotice().getKind()).isEqualTo(ProcessNoticeKind.PROCESS_NOTICE_KIND_EXITED);
            assertThat(last.getProcessNotice().getProcess().getLastExit().getPid()).isEqualTo(running.pid());
            d.await("cat", ProcessState.EXITED);
            // Offsets survive into the next run; tail reads by offset.
            TailOutputResponse all = d.stub().tailOutput(TailOutputRequest.newBuilder().setName("cat").setOffset(0).build());
            assertThat(all.getData().toStringUtf8()).isEqualTo("abc\ndef\nlast words\n");
            assertThat(all.getNextOffset()).isEqualTo(19);
            TailOutputResponse part = d.stub().tailOutput(TailOutputRequest.newBuilder().setName("cat").setOffset(4)
                    .setMaxBytes(4).setStream(OutputStream.OUTPUT_STREAM_STDOUT).build());
            assertThat(part.getData().toStringUtf8()).isEqualTo("def\n");
            // Input to a process that is not running says so.
            StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                    () -> d.stub().sendInput(input("cat", "", "x")));
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(e.getStatus().getDescription()).contains("not running");
        }
    }

    @Test
    void startAndExitNoticesFollowRestartsAndTheLeaseIsHeldByOneSession() throws Exception {
        try (LiveDaemon d = new LiveDaemon(tmp, """
                programs:
                  loop: {cmd: "sh -c 'echo run; read x; echo got $x'", starttime: 0, autorestart: always, backoff: {reset_after: 0}}
                """)) {
            d.await("loop", ProcessState.RUNNING);
            Attached owner = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("loop")
                    .setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).setScrollbackBytes(1000).build(), false);
            String ownerSession = owner.sessionId();
            Attached other = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("loop")
                    .setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).build(), false);
            String otherSession = other.sessionId();
            assertThat(other.messages.getFirst().getStarted().getInputLease().getGranted()).isFalse();
            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                    () -> d.stub().sendInput(input("loop", otherSession, "x\n")));
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(refused.getStatus().getDescription()).contains("held by");
            d.stub().sendInput(input("loop", ownerSession, "one\n"));
            owner.awaitText("got one\nrun\n");
            LiveDaemon.until("exit and start notices", 10_000, () -> owner.messages.stream()
                    .filter(AttachOutputResponse::hasProcessNotice).count() >= 2);
            assertThat(owner.messages.stream().filter(AttachOutputResponse::hasProcessNotice)
                    .map(m -> m.getProcessNotice().getKind()).toList())
                    .startsWith(ProcessNoticeKind.PROCESS_NOTICE_KIND_EXITED, ProcessNoticeKind.PROCESS_NOTICE_KIND_STARTED);
            // The exit notice sits after the exiting run's last output, the start before the new run's first.
            String order = owner.messages.stream().map(m -> m.hasChunk() ? m.getChunk().getData().toStringUtf8()
                    : m.hasProcessNotice() ? "<" + m.getProcessNotice().getKind().name() + ">" : "").reduce("", String::concat);
            assertThat(order).contains("got one\n<PROCESS_NOTICE_KIND_EXITED><PROCESS_NOTICE_KIND_STARTED>run\n");
            // The owner leaves: the waiting session is given the lease and told.
            owner.cancel();
            LiveDaemon.until("the lease to pass on", 10_000, () -> other.messages.stream()
                    .anyMatch(m -> m.hasInputLease() && m.getInputLease().getGranted()));
            d.stub().sendInput(input("loop", otherSession, "two\n"));
            other.awaitText("got two\n");
            other.cancel();
        }
    }

    @Test
    void noticesStayInPlaceAcrossManyRestarts() throws Exception {
        // Racy by nature (the pump, the watcher and the engine each see part of a restart): many rounds.
        int rounds = 20;
        try (LiveDaemon d = new LiveDaemon(tmp, """
                programs:
                  loop: {cmd: "sh -c 'echo run; read x; echo got $x'", starttime: 0, autorestart: always, backoff: {reset_after: 0}}
                """)) {
            d.await("loop", ProcessState.RUNNING);
            Attached a = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("loop")
                    .setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).setScrollbackBytes(1000).build(), false);
            String session = a.sessionId();
            for (int i = 1; i <= rounds; i++) {
                sendWhenRunning(d, session, i);
                a.awaitText("got " + i + "\nrun\n");
            }
            int exits = rounds;
            LiveDaemon.until("every notice", 10_000, () -> a.messages.stream()
                    .filter(AttachOutputResponse::hasProcessNotice).count() >= 2L * exits);
            String order = a.messages.stream().map(m -> m.hasChunk() ? m.getChunk().getData().toStringUtf8()
                    : m.hasProcessNotice() ? "<" + m.getProcessNotice().getKind().name().substring(20) + ">" : "")
                    .reduce("", String::concat);
            for (int i = 1; i <= rounds; i++) {
                assertThat(order).as("round %d", i).contains("got " + i + "\n<EXITED><STARTED>run\n");
            }
            a.cancel();
        }
    }

    /** Sends the round's line, retrying while the next process is not yet there to take it. */
    private static void sendWhenRunning(LiveDaemon d, String session, int round) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                d.stub().sendInput(input("loop", session, round + "\n"));
                return;
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.onSpinWait(); // between two runs: no process to take input yet
            }
        }
    }
}
