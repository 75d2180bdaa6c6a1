package dev.taskmaster.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.taskmaster.proto.v1.AttachOutputRequest;
import dev.taskmaster.proto.v1.ClearOutputRequest;
import dev.taskmaster.proto.v1.InputMode;
import dev.taskmaster.proto.v1.OutputStream;
import dev.taskmaster.proto.v1.ReadDaemonLogRequest;
import dev.taskmaster.proto.v1.RemoveProgramRequest;
import dev.taskmaster.proto.v1.ResizeTerminalRequest;
import dev.taskmaster.proto.v1.Role;
import dev.taskmaster.proto.v1.SendInputRequest;
import dev.taskmaster.proto.v1.SendInputResponse;
import dev.taskmaster.proto.v1.TailOutputRequest;
import dev.taskmaster.proto.v1.TailOutputResponse;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.security.Caller;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output and console RPCs (TailOutput, AttachOutput, SendInput, ResizeTerminal,
 * ClearOutput, ReadDaemonLog) against every sentence of their contract in taskmaster.proto
 * and output.proto: each documented error path gives the code the contract names, with a
 * sentence that says what is wrong. In process, against the real engine and real processes.
 */
class OutputConformanceTest {

    /** A thread per caller: the common pool may have one worker on a 2-core machine. */
    static final java.util.concurrent.Executor CALLERS = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    @TempDir
    Path tmp;
    LiveDaemon d;

    @BeforeEach
    void setUp() throws Exception {
        d = new LiveDaemon(tmp, """
                programs:
                  web: {cmd: "sh -c 'echo hello; exec sleep 600'", numprocs: 2, starttime: 0, stopsignal: KILL}
                  idle: {cmd: "sleep 600", autostart: false}
                  term: {cmd: "sh -c 'echo ready; exec sleep 600'", tty: true, starttime: 0, stopsignal: KILL}
                  deaf: {cmd: "sleep 600", starttime: 0, stopsignal: KILL}
                  cat: {cmd: "cat", starttime: 0, stopsignal: KILL}
                  slow:
                    cmd: "sh -c 'while :; do dd bs=2048 count=1 2>/dev/null; sleep 0.002; done'"
                    starttime: 0
                    stopsignal: KILL
                    stopasgroup: true
                    output_buffer: 8MB
                """);
        for (String name : List.of("web:0", "web:1", "term", "deaf", "cat", "slow")) {
            d.await(name, ProcessState.RUNNING);
        }
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

    private static void assertStatus(Status s, Status.Code code, String description) {
        assertThat(s.getCode()).as("%s", s).isEqualTo(code);
        assertThat(s.getDescription()).isEqualTo(description);
    }

    /**
     * TailOutput: "Codes: INVALID_ARGUMENT (negative offset or max_bytes, name matching several
     * processes), NOT_FOUND (no such process)"; name "Required".
     */
    @Test
    void tailOutputErrors() {
        TailOutputRequest.Builder t = TailOutputRequest.newBuilder().setName("web:0");
        assertStatus(status(() -> d.stub().tailOutput(t.clone().setOffset(-1).build())), Status.Code.INVALID_ARGUMENT,
                "offset must not be negative, was -1");
        assertStatus(status(() -> d.stub().tailOutput(t.clone().setMaxBytes(-1).build())), Status.Code.INVALID_ARGUMENT,
                "max_bytes must not be negative, was -1");
        assertStatus(status(() -> d.stub().tailOutput(t.clone().setName("web").build())), Status.Code.INVALID_ARGUMENT,
                "\"web\" names 2 processes (web:0, web:1); name one");
        assertStatus(status(() -> d.stub().tailOutput(t.clone().setName("").build())), Status.Code.INVALID_ARGUMENT,
                "name the process (its full name, e.g. \"web:0\")");
        Status unknown = status(() -> d.stub().tailOutput(t.clone().setName("wbe:0").build()));
        assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.getDescription()).contains("\"wbe:0\"").contains("did you mean \"web:0\"?");
    }

    /**
     * TailOutputResponse: "offset: Offset of data[0]. Larger than the requested offset when older
     * bytes were lost"; "bytes_lost"; ClearOutput: "Offsets keep growing; they do not restart."
     * max_bytes: "0 = a server default (64 KiB)"; offset "Absent = the last max_bytes bytes held."
     */
    @Test
    void tailAfterAClearSaysWhatWasLostAndOffsetsKeepGrowing() throws Exception {
        LiveDaemon.until("web:0's hello", 10_000, () -> d.stub().tailOutput(TailOutputRequest.newBuilder().setName("web:0")
                .build()).getNextOffset() == 6);
        TailOutputResponse last = d.stub().tailOutput(TailOutputRequest.newBuilder().setName("web:0").setMaxBytes(3).build());
        assertThat(last.getData().toStringUtf8()).isEqualTo("lo\n");
        assertThat(last.getOffset()).isEqualTo(3);
        assertThat(d.stub().clearOutput(ClearOutputRequest.newBuilder().addTargets("web:0").build()).getResultsList())
                .extracting(r -> r.getFullName() + " " + r.getStatus().getCode() + " " + r.getChanged())
                .containsExactly("web:0 0 true");
        TailOutputResponse after = d.stub().tailOutput(TailOutputRequest.newBuilder().setName("web:0").setOffset(2).build());
        assertThat(after.getData().isEmpty()).isTrue();
        assertThat(after.getOffset()).isEqualTo(6);
        assertThat(after.getNextOffset()).isEqualTo(6);
        assertThat(after.getBytesLost()).isEqualTo(4);
    }

    /** ClearOutput: "Codes: INVALID_ARGUMENT, NOT_FOUND"; targets "Required, non-empty". */
    @Test
    void clearOutputErrors() throws Exception {
        Status none = status(() -> d.stub().clearOutput(ClearOutputRequest.getDefaultInstance()));
        assertThat(none.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(none.getDescription()).startsWith("name what to act on");
        Status unknown = status(() -> d.stub().clearOutput(ClearOutputRequest.newBuilder().addTargets("web:0")
                .addTargets("nope").build()));
        assertThat(unknown.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.getDescription()).contains("\"nope\"");
        // web is RUNNING once spawned (starttime 0), before its echo is read: wait for the hello, or
        // an empty ring would prove nothing and a late one would fail the check.
        LiveDaemon.until("web:0's hello", 10_000,
                () -> d.outputs.of("web:0").ring().end(dev.taskmaster.server.output.OffsetSpace.COMBINED) == 6);
        assertThat(d.outputs.of("web:0").ring().end(dev.taskmaster.server.output.OffsetSpace.COMBINED))
                .as("nothing was cleared: targets are checked before acting").isEqualTo(6);
    }

    /**
     * AttachOutput: "Codes: INVALID_ARGUMENT (name matching several processes, negative
     * scrollback_bytes), NOT_FOUND (no such process), PERMISSION_DENIED (an input mode other than
     * read-only without the operator role)".
     */
    @Test
    void attachOutputErrors() throws Exception {
        Attached several = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("web").build(), false);
        assertStatus(several.awaitEnd(), Status.Code.INVALID_ARGUMENT, "\"web\" names 2 processes (web:0, web:1); name one");
        Attached negative = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("web:0").setScrollbackBytes(-1)
                .build(), false);
        assertStatus(negative.awaitEnd(), Status.Code.INVALID_ARGUMENT, "scrollback_bytes must not be negative, was -1");
        Attached negativeOffset = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("web:0").setFromOffset(-1)
                .build(), false);
        assertStatus(negativeOffset.awaitEnd(), Status.Code.INVALID_ARGUMENT, "from_offset must not be negative, was -1");
        Attached unknown = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("nope").build(), false);
        assertThat(unknown.awaitEnd().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.awaitEnd().getDescription()).contains("\"nope\"");

        try (LiveDaemon viewer = new LiveDaemon(java.nio.file.Files.createDirectories(tmp.resolve("v")), "programs:\n  x: {cmd: sleep 600, autostart: false}\n",
                (transport, headers) -> new Caller("eve (uid 1001)", Role.ROLE_VIEWER, "in-process"))) {
            Attached typing = Attached.attach(viewer.async(), AttachOutputRequest.newBuilder().setName("x")
                    .setInputMode(InputMode.INPUT_MODE_SHARED).build(), false);
            assertStatus(typing.awaitEnd(), Status.Code.PERMISSION_DENIED,
                    "AttachOutput with input needs the operator role; eve (uid 1001) is viewer; attach read-only to watch");
            Attached watching = Attached.attach(viewer.async(), AttachOutputRequest.newBuilder().setName("x")
                    .setInputMode(InputMode.INPUT_MODE_READ_ONLY).build(), false);
            assertThat(watching.sessionId()).isNotEmpty();
            watching.cancel();
        }
    }

    /**
     * AttachOutput: "until ... the program is removed (ends with NOT_FOUND), the process exits
     * with detach_on_exit (ends with OK)"; detach_on_exit: "end the stream (OK) once the process
     * exits and its last output has been sent".
     */
    @Test
    void attachEndsNotFoundWhenTheProgramIsRemovedAndOkAfterTheLastOutputWithDetachOnExit() throws Exception {
        Attached removed = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("deaf").build(), false);
        removed.sessionId();
        d.stub().removeProgram(RemoveProgramRequest.newBuilder().setName("deaf").build());
        assertStatus(removed.awaitEnd(), Status.Code.NOT_FOUND, "process \"deaf\" was removed from the configuration");

        Attached detaching = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("cat").setDetachOnExit(true)
                .build(), false);
        detaching.sessionId();
        d.stub().sendInput(SendInputRequest.newBuilder().setName("cat").setData(ByteString.copyFromUtf8("last words\n"))
                .setCloseStdin(true).build());
        assertThat(detaching.awaitEnd().getCode()).isEqualTo(Status.Code.OK);
        assertThat(detaching.text()).isEqualTo("last words\n");
        assertThat(detaching.messages.getLast().getProcessNotice().getKind())
                .isEqualTo(dev.taskmaster.proto.v1.ProcessNoticeKind.PROCESS_NOTICE_KIND_EXITED);
    }

    /**
     * SendInput: "Codes: INVALID_ARGUMENT (name matching several processes), NOT_FOUND (no such
     * process, or unknown session_id), FAILED_PRECONDITION (not running, stdin already closed, or
     * the input lease is held by another session; the message names the holder)". A session id
     * echoed back is cut: a 100 KB one must not overflow the client's metadata limit.
     */
    @Test
    void sendInputErrors() throws Exception {
        SendInputRequest.Builder in = SendInputRequest.newBuilder().setData(ByteString.copyFromUtf8("x"));
        assertStatus(status(() -> d.stub().sendInput(in.clone().setName("web").build())), Status.Code.INVALID_ARGUMENT,
                "\"web\" names 2 processes (web:0, web:1); name one");
        assertThat(status(() -> d.stub().sendInput(in.clone().setName("nope").build())).getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertStatus(status(() -> d.stub().sendInput(in.clone().setName("cat").setSessionId("s-1").build())), Status.Code.NOT_FOUND,
                "no attach session \"s-1\" on \"cat\"; attach first and use the session_id of AttachStarted");
        String huge = "s".repeat(100_000);
        Status hugeSession = status(() -> d.stub().sendInput(in.clone().setName("cat").setSessionId(huge).build()));
        assertThat(hugeSession.getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(hugeSession.getDescription()).startsWith("no attach session \"" + "s".repeat(200) + "…\" (100000 characters) on \"cat\"");
        assertStatus(status(() -> d.stub().sendInput(in.clone().setName("idle").build())), Status.Code.FAILED_PRECONDITION,
                "\"idle\" is not running; start it first");

        Attached owner = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("web:1")
                .setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).build(), false);
        owner.sessionId();
        Status held = status(() -> d.stub().sendInput(in.clone().setName("web:1").build()));
        assertThat(held.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(held.getDescription()).startsWith("the input lease is held by " + LiveDaemon.ADMIN.identity());
        owner.cancel();

        SendInputResponse sent = d.stub().sendInput(in.clone().setName("web:0").setData(ByteString.copyFromUtf8("bye"))
                .setCloseStdin(true).build());
        assertThat(sent.getBytesWritten()).as("all of data").isEqualTo(3);
        assertStatus(status(() -> d.stub().sendInput(in.clone().setName("web:0").build())), Status.Code.FAILED_PRECONDITION,
                "the input of \"web:0\" is closed (stdin was closed by request (close_stdin))");
    }

    /**
     * The stuck input: a program that never reads its stdin. The first input waits while
     * the pipe is full, but only {@link OutputRpcs#INPUT_STALL} without progress, then says the
     * program is not reading (RESOURCE_EXHAUSTED, with how much went in); later input fails at
     * once instead of queueing behind it until the caller's deadline; other programs' input is
     * not held up meanwhile.
     */
    @Test
    void inputToAProgramThatNeverReadsFailsAfterTheStallLimitAndLaterInputAtOnce() throws Exception {
        byte[] mib = new byte[1 << 20];
        long t0 = System.nanoTime();
        CompletableFuture<Status> first = CompletableFuture.supplyAsync(() -> status(() -> d.stub().sendInput(SendInputRequest
                .newBuilder().setName("deaf").setData(ByteString.copyFrom(mib)).build())), CALLERS);
        // While it waits, input to another program goes through.
        assertThat(d.stub().sendInput(SendInputRequest.newBuilder().setName("cat").setData(ByteString.copyFromUtf8("meanwhile\n"))
                .build()).getBytesWritten()).isEqualTo(10);
        Status stalled = first.get(30, TimeUnit.SECONDS);
        long took = System.nanoTime() - t0;
        assertThat(stalled.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        Matcher m = Pattern.compile("\"deaf\" is not reading its input: it has taken none of its input for 5 s; (\\d+) of 1048576"
                + " bytes were written, and input to it fails at once until it reads again").matcher(stalled.getDescription());
        assertThat(m.matches()).as(stalled.getDescription()).isTrue();
        assertThat(Long.parseLong(m.group(1))).as("what the pipe took").isPositive().isLessThan(1 << 20);
        assertThat(took).as("the stall limit, not the call's 30 s deadline")
                .isBetween(OutputRpcs.INPUT_STALL.toNanos(), OutputRpcs.INPUT_STALL.toNanos() + TimeUnit.SECONDS.toNanos(10));

        for (int i = 0; i < 3; i++) {
            long t1 = System.nanoTime();
            Status again = status(() -> d.stub().sendInput(SendInputRequest.newBuilder().setName("deaf")
                    .setData(ByteString.copyFromUtf8("x")).build()));
            assertStatus(again, Status.Code.RESOURCE_EXHAUSTED, "\"deaf\" is not reading its input: its input is still full from"
                    + " an earlier write it has not read; 0 of 1 bytes were written, and input to it fails at once until it reads again");
            assertThat(System.nanoTime() - t1).as("at once").isLessThan(TimeUnit.SECONDS.toNanos(2));
        }
    }

    /**
     * Several callers at once behind a full pipe of a program that does not read: each is
     * answered within twice the stall limit, none waits for its deadline.
     */
    @Test
    void concurrentInputsToAProgramThatNeverReadsAreAllAnsweredWithinTheLimit() throws Exception {
        d.service.outputRpcs().inputStall(Duration.ofMillis(700));
        List<CompletableFuture<Status>> calls = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < 4; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> status(() -> d.stub().withDeadlineAfter(20, TimeUnit.SECONDS)
                    .sendInput(SendInputRequest.newBuilder().setName("deaf").setData(ByteString.copyFrom(new byte[256 * 1024]))
                            .build())), CALLERS));
        }
        for (CompletableFuture<Status> c : calls) {
            Status s = c.get(20, TimeUnit.SECONDS);
            assertThat(s.getCode()).as("%s", s).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(s.getDescription()).startsWith("\"deaf\" is not reading its input: ");
        }
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(6));
    }

    /**
     * A program that reads slowly: input waits while its pipe is full and goes on as it reads
     * (SendInputResponse: "all of data; the call waits while the pipe is full"), so nothing is
     * lost and each caller's input arrives in order and whole, even from several callers at once
     * and with a stall limit far below the time the whole takes.
     */
    @RepeatedTest(3)
    void inputToASlowReaderLosesNothingAndKeepsEachCallersOrder() throws Exception {
        d.service.outputRpcs().inputStall(Duration.ofMillis(1500));
        int callers = 4;
        int blocks = 6;
        List<CompletableFuture<Void>> sending = new ArrayList<>();
        for (int c = 0; c < callers; c++) {
            int caller = c;
            sending.add(CompletableFuture.runAsync(() -> {
                for (int b = 0; b < blocks; b++) {
                    byte[] block = block(caller, b);
                    SendInputResponse r = d.stub().withDeadlineAfter(60, TimeUnit.SECONDS).sendInput(SendInputRequest.newBuilder()
                            .setName("slow").setData(ByteString.copyFrom(block)).build());
                    assertThat(r.getBytesWritten()).isEqualTo(block.length);
                }
            }, CALLERS));
        }
        for (CompletableFuture<Void> s : sending) {
            s.get(120, TimeUnit.SECONDS);
        }
        long total = (long) callers * blocks * block(0, 0).length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LiveDaemon.until("everything sent to come out of the slow reader", 60_000, () -> {
            TailOutputResponse t = d.stub().tailOutput(TailOutputRequest.newBuilder().setName("slow")
                    .setStream(OutputStream.OUTPUT_STREAM_STDOUT).setOffset(out.size()).setMaxBytes(1 << 20).build());
            assertThat(t.getBytesLost()).isZero();
            out.writeBytes(t.getData().toByteArray());
            return out.size() >= total;
        });
        assertThat(out.size()).isEqualTo(total);
        // Whole blocks, each caller's in the order it sent them.
        String text = out.toString(StandardCharsets.US_ASCII);
        int[] next = new int[callers];
        int blockLength = block(0, 0).length;
        for (int at = 0; at < text.length(); at += blockLength) {
            String b = text.substring(at, at + blockLength);
            int caller = b.charAt(0) - 'A';
            assertThat(b).as("the block at %s", at).isEqualTo(new String(block(caller, next[caller]), StandardCharsets.US_ASCII));
            next[caller]++;
        }
        assertThat(next).containsOnly(blocks);
    }

    /** 8 KiB of one caller's numbered lines: larger than a page, so the pipe fills and empties in the middle of one. */
    private static byte[] block(int caller, int index) {
        StringBuilder b = new StringBuilder();
        char tag = (char) ('A' + caller);
        int line = 0;
        while (b.length() < 8192 - 64) {
            b.append(tag).append(String.format(" %02d %04d ", index, line++)).append("x".repeat(50)).append('\n');
        }
        b.append(String.valueOf(tag).repeat(8192 - b.length() - 1)).append('\n');
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * ResizeTerminal: "Codes: INVALID_ARGUMENT (rows or cols < 1), NOT_FOUND (no such process or
     * session), FAILED_PRECONDITION (not a tty program, not running, or the session does not hold
     * the input lease)".
     */
    @Test
    void resizeTerminalErrors() throws Exception {
        ResizeTerminalRequest.Builder rs = ResizeTerminalRequest.newBuilder().setName("term").setRows(24).setCols(80);
        assertStatus(status(() -> d.stub().resizeTerminal(rs.clone().setRows(0).build())), Status.Code.INVALID_ARGUMENT,
                "rows and cols must be from 1 to 65535, were 0 and 80");
        assertStatus(status(() -> d.stub().resizeTerminal(rs.clone().setCols(-3).build())), Status.Code.INVALID_ARGUMENT,
                "rows and cols must be from 1 to 65535, were 24 and -3");
        assertThat(status(() -> d.stub().resizeTerminal(rs.clone().setName("nope").setSessionId("s").build())).getCode())
                .isEqualTo(Status.Code.NOT_FOUND);
        assertStatus(status(() -> d.stub().resizeTerminal(rs.clone().setSessionId("s-1").build())), Status.Code.NOT_FOUND,
                "no attach session \"s-1\" on \"term\"; attach first and use the session_id of AttachStarted");

        Attached owner = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("term")
                .setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).build(), false);
        Attached watcher = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("term").build(), false);
        Status readOnly = status(() -> d.stub().resizeTerminal(rs.clone().setSessionId(sessionOf(watcher)).build()));
        assertThat(readOnly.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(readOnly.getDescription()).startsWith("the input lease is held by " + LiveDaemon.ADMIN.identity());
        d.stub().resizeTerminal(rs.clone().setSessionId(owner.sessionId()).build());

        Attached pipe = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("web:1")
                .setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).build(), false);
        assertStatus(status(() -> d.stub().resizeTerminal(rs.clone().setName("web:1").setSessionId(sessionOf(pipe)).build())),
                Status.Code.FAILED_PRECONDITION, "\"web:1\" does not run on a terminal (set tty: true to give it one)");

        Attached down = Attached.attach(d.async(), AttachOutputRequest.newBuilder().setName("idle")
                .setInputMode(InputMode.INPUT_MODE_EXCLUSIVE).build(), false);
        assertStatus(status(() -> d.stub().resizeTerminal(rs.clone().setName("idle").setSessionId(sessionOf(down)).build())),
                Status.Code.FAILED_PRECONDITION, "\"idle\" is not running; start it first");
        for (Attached a : List.of(owner, watcher, pipe, down)) {
            a.cancel();
        }
    }

    private static String sessionOf(Attached a) {
        try {
            return a.sessionId();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * ReadDaemonLog: "Codes: INVALID_ARGUMENT (negative offset or max_bytes), FAILED_PRECONDITION
     * (the daemon logs to no file)".
     */
    @Test
    void readDaemonLogErrors() {
        assertStatus(status(() -> d.stub().readDaemonLog(ReadDaemonLogRequest.newBuilder().setOffset(-5).build())),
                Status.Code.INVALID_ARGUMENT, "offset must not be negative, was -5");
        assertStatus(status(() -> d.stub().readDaemonLog(ReadDaemonLogRequest.newBuilder().setMaxBytes(-1).build())),
                Status.Code.INVALID_ARGUMENT, "max_bytes must not be negative, was -1");
        assertStatus(status(() -> d.stub().readDaemonLog(ReadDaemonLogRequest.getDefaultInstance())), Status.Code.FAILED_PRECONDITION,
                "the daemon's log file " + d.dir.resolve("taskmasterd.log") + " does not exist");
    }
}
