package dev.taskmaster.it;

import static dev.taskmaster.testkit.TestFiles.read;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.ListProcessesRequest;
import dev.taskmaster.proto.v1.ProcessInfo;
import dev.taskmaster.proto.v1.TailOutputRequest;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import dev.taskmaster.testkit.SmallDisk;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real daemon with its programs' logs on a small file system (a tmpfs, root only) that is
 * filled and freed again, several times: {@code on_log_full: block} holds the program back and
 * loses nothing, {@code drop} runs on and counts exactly what it loses, other programs are not
 * touched, and every stop and resumption is an event, a daemon log line and a marker in the file.
 */
class FullDiskIT {

    static final Duration LIMIT = Duration.ofSeconds(60);
    /** Numbered lines of 40 x's, each written (and flushed) whole, about 2,000 a second. */
    static final String WRITER = """
            import sys, time
            i = 0
            while True:
                sys.stdout.write("%d %s\\n" % (i, "x" * 40))
                sys.stdout.flush()
                i += 1
                if i % 20 == 0:
                    time.sleep(0.01)
            """;
    static final Pattern LINE = Pattern.compile("(\\d+) x{40}");
    static final Pattern MARKER = Pattern.compile("\\[taskmaster: (\\S+) stdout could not be written from \\S+ for [0-9.]+ s:"
            + " no space left on device \\(ENOSPC\\); on_log_full: (block|drop); (\\d+) lines? \\((\\d+) bytes?\\) lost]");

    @TempDir
    Path tmp;


    private static long count(String text, String what) {
        return text.split(Pattern.quote(what), -1).length - 1;
    }

    private static boolean heldInPipeWrite(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/wchan")).contains("pipe_write");
        } catch (IOException e) {
            return false;
        }
    }

    /** The number of the last whole line in {@code text}, -1 if none. */
    private static long lastNumber(String text) {
        long last = -1;
        for (String line : text.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                last = Long.parseLong(m.group(1));
            }
        }
        return last;
    }

    @Test
    void blockHoldsTheProgramDropCountsAndNeitherTouchesTheOthersThroughFullDisks() throws Exception {
        Path writer = Files.writeString(tmp.resolve("writer.py"), WRITER);
        Map<String, String> env = BinProcess.env(tmp);
        Path daemonLog = tmp.resolve("state/taskmaster/default/taskmasterd.log");
        Path otherLog = tmp.resolve("state/taskmaster/default/logs/other.stdout.log");
        try (SmallDisk disk = SmallDisk.mount(tmp.resolve("disk"), 16 * 1024 * 1024)) {
            Path held = disk.dir().resolve("held.log");
            Path dropped = disk.dir().resolve("dropped.log");
            Path config = Files.writeString(tmp.resolve("t.yaml"), """
                    programs:
                      held:
                        cmd: python3 -u %1$s
                        stdout: %2$s
                        starttime: 0
                      dropped:
                        cmd: python3 -u %1$s
                        stdout: %3$s
                        on_log_full: drop
                        starttime: 0
                      other:
                        cmd: python3 -u %1$s
                        starttime: 0
                    """.formatted(writer, held, dropped));
            try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
                ManagedChannel channel = Grpc.newChannelBuilder("unix://" + tmp.resolve("run/taskmaster/default.sock"),
                        InsecureChannelCredentials.create()).build();
                try {
                    var stub = TaskmasterServiceGrpc.newBlockingStub(channel);
                    // A pidfile: the daemon is up and its socket answers.
                    BinProcess.await("every program to write, and the API", LIMIT, () -> !daemon.isAlive()
                            || lastNumber(read(held)) > 100 && lastNumber(read(dropped)) > 100 && lastNumber(read(otherLog)) > 100
                            && Files.exists(tmp.resolve("run/taskmaster/default.pid")));
                    assertThat(daemon.isAlive()).as(daemon.stderr()).isTrue();
                    long heldPid = stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                            .listProcesses(ListProcessesRequest.newBuilder().addTargets("held").build()).getProcesses(0).getPid();
                    int cycles = 3;
                    for (int cycle = 1; cycle <= cycles; cycle++) {
                        int c = cycle;
                        disk.fill();
                        BinProcess.await("both stops in the daemon log (cycle " + c + ")", LIMIT, () ->
                                count(read(daemonLog), "held: cannot write stdout to " + held + ": no space left on device (ENOSPC);"
                                        + " on_log_full is block") == c
                                && count(read(daemonLog), "dropped: cannot write stdout to " + dropped
                                        + ": no space left on device (ENOSPC); on_log_full is drop") == c);
                        // block: the program waits in its write, its pipe full.
                        BinProcess.await("held to wait in its write", LIMIT, () -> heldInPipeWrite(heldPid));
                        ProcessInfo info = stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                                .listProcesses(ListProcessesRequest.newBuilder().addTargets("held").build()).getProcesses(0);
                        assertThat(info.getLogWriting().getStopped()).isTrue();
                        assertThat(info.getLogWriting().getReason()).isEqualTo("no space left on device (ENOSPC)");
                        assertThat(info.getLogWriting().getStalls()).isEqualTo(c);
                        // drop: the program runs on (its output reaches the ring buffer), and so does the other one.
                        long droppedAt = lastNumber(tail(stub, "dropped"));
                        long otherAt = lastNumber(read(otherLog));
                        BinProcess.await("dropped and other to run on", LIMIT, () -> lastNumber(tail(stub, "dropped")) > droppedAt + 200
                                && lastNumber(read(otherLog)) > otherAt + 200);
                        assertThat(heldInPipeWrite(heldPid)).as("still held").isTrue();
                        if (cycle == 1) {
                            BinProcess.Result status = BinProcess.ctl(tmp, env, LIMIT, "status", "--json", "held");
                            assertThat(status.out()).contains("\"logWriting\":{\"stopped\":true,"
                                    + "\"reason\":\"no space left on device (ENOSPC)\",\"stalls\":1,");
                        }
                        disk.free();
                        BinProcess.await("both to resume (cycle " + c + ")", LIMIT, () ->
                                count(read(daemonLog), "held: stdout is written to " + held + " again after ") == c
                                && count(read(daemonLog), "dropped: stdout is written to " + dropped + " again after ") == c);
                        long heldAt = lastNumber(read(held));
                        BinProcess.await("held to write again", LIMIT, () -> lastNumber(read(held)) > heldAt + 100);
                    }
                    ProcessInfo after = stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                            .listProcesses(ListProcessesRequest.newBuilder().addTargets("held").build()).getProcesses(0);
                    assertThat(after.getLogWriting().getStopped()).isFalse();
                    assertThat(after.getLogWriting().getBytesDropped()).isZero();
                    assertThat(after.getLogWriting().getTimeBlocked().getNanos() + after.getLogWriting().getTimeBlocked().getSeconds())
                            .isPositive();
                    ProcessInfo droppedInfo = stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                            .listProcesses(ListProcessesRequest.newBuilder().addTargets("dropped").build()).getProcesses(0);

                    BinProcess.Result stop = BinProcess.ctl(tmp, env, LIMIT, "stop", "held", "dropped");
                    assertThat(stop.code()).as(stop.err()).isZero();

                    // block: every line, whole and in order, and a marker at each gap saying nothing was lost.
                    List<String> heldLines = Files.readAllLines(held);
                    long next = 0;
                    int heldMarkers = 0;
                    for (String line : heldLines) {
                        Matcher m = MARKER.matcher(line);
                        if (m.matches()) {
                            heldMarkers++;
                            assertThat(m.group(1)).isEqualTo("held");
                            assertThat(m.group(3) + "/" + m.group(4)).isEqualTo("0/0");
                            continue;
                        }
                        Matcher l = LINE.matcher(line);
                        assertThat(l.matches()).as("a whole line: %s", line).isTrue();
                        assertThat(Long.parseLong(l.group(1))).as("the line after %d", next - 1).isEqualTo(next);
                        next++;
                    }
                    assertThat(heldMarkers).isEqualTo(cycles);

                    // drop: whole lines in order; the markers count exactly the lines and bytes missing.
                    long expectedNext = 0;
                    long missingLines = 0;
                    long missingBytes = 0;
                    long markedLines = 0;
                    long markedBytes = 0;
                    int dropMarkers = 0;
                    for (String line : Files.readAllLines(dropped)) {
                        Matcher m = MARKER.matcher(line);
                        if (m.matches()) {
                            dropMarkers++;
                            markedLines += Long.parseLong(m.group(3));
                            markedBytes += Long.parseLong(m.group(4));
                            continue;
                        }
                        Matcher l = LINE.matcher(line);
                        assertThat(l.matches()).as("a whole line: %s", line).isTrue();
                        long n = Long.parseLong(l.group(1));
                        assertThat(n).isGreaterThanOrEqualTo(expectedNext);
                        for (long k = expectedNext; k < n; k++) {
                            missingLines++;
                            missingBytes += Long.toString(k).length() + 42;
                        }
                        expectedNext = n + 1;
                    }
                    assertThat(dropMarkers).isEqualTo(cycles);
                    assertThat(missingLines).as("lines lost while the disk was full").isPositive();
                    assertThat(markedLines).as("lost lines, as the markers say").isEqualTo(missingLines);
                    assertThat(markedBytes).as("lost bytes, as the markers say").isEqualTo(missingBytes);
                    assertThat(droppedInfo.getLogWriting().getLinesDropped()).isEqualTo(missingLines);
                    assertThat(droppedInfo.getLogWriting().getBytesDropped()).isEqualTo(missingBytes);
                    assertThat(droppedInfo.getLogWriting().getStalls()).isEqualTo(cycles);

                    // The events say the same, and taskmasterctl shows them.
                    BinProcess.Result events = BinProcess.ctl(tmp, env, LIMIT, "events", "--since", "1", "held", "dropped");
                    assertThat(events.code()).as(events.err()).isZero();
                    assertThat(count(events.out(), "held stdout cannot be written to " + held
                            + ": no space left on device (ENOSPC); holding the program back (on_log_full: block)")).as(events.out()).isEqualTo(cycles);
                    assertThat(count(events.out(), ": nothing lost")).isEqualTo(cycles);
                    assertThat(count(events.out(), "dropped stdout cannot be written to " + dropped)).isEqualTo(cycles);
                    assertThat(count(events.out(), "dropped stdout written to " + dropped + " again after ")).isEqualTo(cycles);
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
                BinProcess.shutdown(daemon, tmp, env, LIMIT);
            }
        }
    }

    private static int restarts(TaskmasterServiceGrpc.TaskmasterServiceBlockingStub stub) {
        return stub.withDeadlineAfter(10, TimeUnit.SECONDS).listProcesses(ListProcessesRequest.newBuilder().addTargets("flap").build())
                .getProcesses(0).getRestartCount();
    }

    private static String tail(TaskmasterServiceGrpc.TaskmasterServiceBlockingStub stub, String name) {
        return stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                .tailOutput(TailOutputRequest.newBuilder().setName(name).setMaxBytes(4096).build()).getData().toStringUtf8();
    }

    @Test
    void theDaemonLogHoldsItsLinesWhileItsDiskIsFullAndSaysWhatHappened() throws Exception {
        Map<String, String> env = BinProcess.env(tmp);
        try (SmallDisk disk = SmallDisk.mount(tmp.resolve("disk"), 2 * 1024 * 1024)) {
            Path daemonLog = disk.dir().resolve("taskmasterd.log");
            // A program that ends every 0.2 s and is started again: a few daemon log lines each time.
            Path config = Files.writeString(tmp.resolve("t.yaml"), """
                    server:
                      logfile: %s
                    programs:
                      flap:
                        cmd: "sh -c 'sleep 0.2; exit 3'"
                        starttime: 0
                        autorestart: always
                        backoff: {reset_after: 0}
                    """.formatted(daemonLog));
            try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "--no-stderr-log", "-c",
                    config.toString())) {
                ManagedChannel channel = Grpc.newChannelBuilder("unix://" + tmp.resolve("run/taskmaster/default.sock"),
                        InsecureChannelCredentials.create()).build();
                try {
                    var stub = TaskmasterServiceGrpc.newBlockingStub(channel);
                    for (int cycle = 1; cycle <= 3; cycle++) {
                        int c = cycle;
                        BinProcess.await("daemon log lines, and the API", LIMIT, () -> !daemon.isAlive()
                                || count(read(daemonLog), "flap: ") > 10 * c && Files.exists(tmp.resolve("run/taskmaster/default.pid")));
                        assertThat(daemon.isAlive()).as(daemon.stderr()).isTrue();
                        disk.fill();
                        long before = count(read(daemonLog), "flap: ");
                        // Restarts meanwhile, a few lines each: more than the last page of the file has room for.
                        int restarts = restarts(stub);
                        BinProcess.await("restarts while the disk is full", LIMIT, () -> restarts(stub) > restarts + 20);
                        disk.free();
                        BinProcess.await("the gap notice", LIMIT, () -> count(read(daemonLog), "WARN  DaemonLog: this log could not be"
                                + " written from ") == c);
                        assertThat(count(read(daemonLog), "flap: ")).isGreaterThan(before);
                    }
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
                String text = read(daemonLog);
                Matcher notice = Pattern.compile("this log could not be written from \\S+ for [0-9.]+ s \\(no space left on device"
                        + " \\(ENOSPC\\)\\); the (\\d+) lines? logged meanwhile follows?; 0 lines \\(0 bytes\\) lost").matcher(text);
                int notices = 0;
                while (notice.find()) {
                    notices++;
                    assertThat(Integer.parseInt(notice.group(1))).as("lines held").isPositive();
                }
                assertThat(notices).isEqualTo(3);
                // Whole lines only: each begins with its time.
                for (String line : text.split("\n")) {
                    assertThat(line).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) .*");
                }
                BinProcess.shutdown(daemon, tmp, env, LIMIT);
            }
        }
    }
}
