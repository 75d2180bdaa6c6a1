package dev.taskmaster.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.AttachOutputResponse;
import dev.taskmaster.proto.v1.AttachStarted;
import dev.taskmaster.proto.v1.InputLease;
import dev.taskmaster.proto.v1.InputMode;
import dev.taskmaster.proto.v1.OutputChunk;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.ResizeTerminalRequest;
import dev.taskmaster.proto.v1.ResizeTerminalResponse;
import dev.taskmaster.proto.v1.SendInputRequest;
import dev.taskmaster.proto.v1.SendInputResponse;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * attach at a scripted terminal against a daemon that echoes what it is sent, as a program on a
 * terminal would: keys go out as typed (Ctrl-C too), output comes back, the detach key leaves.
 */
class AttachCommandTest extends CtlTest {

    private static final String DETACH = "\u001d"; // Ctrl-]
    private static final Duration LIMIT = Duration.ofSeconds(10);

    private final ByteArrayOutputStream screen = new ByteArrayOutputStream();
    private final AtomicReference<StreamObserver<AttachOutputResponse>> attached = new AtomicReference<>();
    private Keys keys;
    private Attributes attributesBefore;
    private Attributes attributesAtClose;

    @BeforeEach
    void aPersonAtATerminal() {
        terminal = true;
        prompter = terminalAnswering("never asked", new ArrayList<>());
        keys = new Keys();
        terminalOpener = () -> {
            Terminal t = keys.terminal(screen, closing -> attributesAtClose = new Attributes(closing.getAttributes()));
            attributesBefore = new Attributes(t.getAttributes());
            return t;
        };
        daemon.answer("SendInput", (FakeDaemon.Handler<SendInputRequest, SendInputResponse>) (q, r) -> {
            // The program echoes what it gets, as a terminal in cooked mode would.
            attached.get().onNext(AttachOutputResponse.newBuilder().setChunk(OutputChunk.newBuilder()
                    .setData(ByteString.copyFromUtf8("<" + q.getData().toStringUtf8() + ">"))).build());
            r.onNext(SendInputResponse.newBuilder().setBytesWritten(q.getData().size()).build());
            r.onCompleted();
        });
        daemon.answer("ResizeTerminal", ResizeTerminalResponse.getDefaultInstance());
    }

    private void attachable(boolean tty, boolean granted, String holder) {
        daemon.answer("AttachOutput", (FakeDaemon.Handler<AttachOutputRequest, AttachOutputResponse>) (q, r) -> {
            attached.set(r);
            r.onNext(AttachOutputResponse.newBuilder().setStarted(AttachStarted.newBuilder().setSessionId("sess-1").setTty(tty)
                    .setInputLease(InputLease.newBuilder().setGranted(granted).setHolder(holder))).build());
            r.onNext(AttachOutputResponse.newBuilder().setChunk(OutputChunk.newBuilder()
                    .setData(ByteString.copyFromUtf8("recent screen$ "))).build());
        });
    }

    private String screen() {
        return screen.toString(StandardCharsets.UTF_8);
    }

    /** A step of the script: waits (polling, with a deadline) until the screen shows what it should. */
    private Runnable awaitScreen(Predicate<String> ok) {
        return () -> {
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (!ok.test(screen())) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the screen never showed what was awaited:\n" + screen());
                }
                Thread.onSpinWait();
            }
        };
    }

    private String sent() {
        StringBuilder all = new StringBuilder();
        daemon.requests(SendInputRequest.class).forEach(q -> all.append(q.getData().toStringUtf8()));
        return all.toString();
    }

    @Test
    void aTerminalProgramGetsEveryKeyAndTheWindowSizeUntilTheDetachKey() {
        attachable(true, true, "");
        keys.then(awaitScreen(s -> s.contains("recent screen$ ")))
                .type("ls\r")
                .then(awaitScreen(s -> s.contains("<\r>")))
                .type("\u0003") // Ctrl-C: a key for the program, not a signal for us
                .then(awaitScreen(s -> s.contains("<\u0003>")))
                .type(DETACH + "never sent");

        Result r = run("attach", "web");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(sent()).isEqualTo("ls\r\u0003");
        assertThat(daemon.requests(SendInputRequest.class)).allSatisfy(q -> {
            assertThat(q.getSessionId()).isEqualTo("sess-1");
            assertThat(q.getName()).isEqualTo("web");
        });
        ResizeTerminalRequest size = daemon.requests(ResizeTerminalRequest.class).getFirst();
        assertThat(size.getRows()).isEqualTo(30);
        assertThat(size.getCols()).isEqualTo(120);
        assertThat(size.getSessionId()).isEqualTo("sess-1");
        AttachOutputRequest asked = daemon.requests(AttachOutputRequest.class).getFirst();
        assertThat(asked.getInputMode()).isEqualTo(InputMode.INPUT_MODE_EXCLUSIVE);
        assertThat(asked.getStream()).isEqualTo(OutputStream.OUTPUT_STREAM_COMBINED);
        assertThat(asked.getScrollbackBytes()).isEqualTo(65536);
        assertThat(screen()).startsWith("[attached to web (terminal); Ctrl-] detaches]\r\n")
                .endsWith("[detached from web; it keeps running]\r\n");
        assertThat(attributesAtClose.getLocalFlags()).as("given back as it was").isEqualTo(attributesBefore.getLocalFlags());
        assertThat(attributesAtClose.getInputFlags()).isEqualTo(attributesBefore.getInputFlags());
        assertThat(attributesAtClose.getOutputFlags()).isEqualTo(attributesBefore.getOutputFlags());
    }

    @Test
    void aProgramWithoutTerminalGetsWholeLinesEditedHereAndCtrlDClosesItsInput() {
        attachable(false, true, "");
        keys.then(awaitScreen(s -> s.contains("recent screen$ ")))
                .type("hex\u007flo\r") // Backspace erases the x
                .then(awaitScreen(s -> s.contains("<helo\n>")))
                .type("\u0004") // Ctrl-D on an empty line: end of input
                .then(() -> { })
                .type(DETACH);

        Result r = run("attach", "--detach-key", "^]", "pipe");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(daemon.requests(SendInputRequest.class)).extracting(q -> q.getData().toStringUtf8(), SendInputRequest::getCloseStdin)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("helo\n", false), org.assertj.core.groups.Tuple.tuple("", true));
        assertThat(screen()).contains("hex\b \blo\r\n"); // echoed here, as the user typed
        assertThat(daemon.requests(ResizeTerminalRequest.class)).as("no terminal, no size").isEmpty();
    }

    @Test
    void whenAnotherSessionHoldsTheInputNothingTypedIsSent() {
        attachable(true, false, "alice@host");
        keys.then(awaitScreen(s -> s.contains("recent screen$ "))).type("rm -rf /\r" + DETACH);

        Result r = run("attach", "web");

        assertThat(r.exit()).isZero();
        assertThat(screen()).contains("watching only: input is held by alice@host");
        assertThat(daemon.requests(SendInputRequest.class)).isEmpty();
        assertThat(daemon.requests(ResizeTerminalRequest.class)).isEmpty();
    }

    @Test
    void anotherDetachKeyAndTheInputModes() {
        attachable(true, true, "");
        keys.then(awaitScreen(s -> s.contains("recent screen$ "))).type("a\u001d\u0001");

        Result r = run("attach", "--detach-key", "^a", "--take-over", "web");

        assertThat(r.exit()).isZero();
        assertThat(sent()).isEqualTo("a\u001d"); // Ctrl-] is an ordinary key now
        assertThat(screen()).contains("Ctrl-A detaches");
        assertThat(daemon.requests(AttachOutputRequest.class).getFirst().getInputMode()).isEqualTo(InputMode.INPUT_MODE_TAKE_OVER);

        Result bad = run("attach", "--detach-key", "x", "web");
        assertThat(bad.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).isEqualTo("taskmasterctl: --detach-key: \"x\" is not a control key such as ^] or ^A\n");
    }

    @Test
    void withoutATerminalAttachSaysWhatToUseInstead() {
        terminal = false;
        prompter = notATerminal();
        attachable(true, true, "");

        Result r = run("attach", "web");

        assertThat(r.exit()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).isEqualTo("taskmasterctl: attach: needs a terminal on standard input and output"
                + " ('taskmasterctl tail -f web' follows output without one)\n");
        assertThat(daemon.requests(AttachOutputRequest.class)).isEmpty();
    }
}
