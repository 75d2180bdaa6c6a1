package dev.taskmaster.it;

import static dev.taskmaster.testkit.TestFiles.read;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.proto.v1.TailOutputRequest;
import dev.taskmaster.proto.v1.TailOutputResponse;
import dev.taskmaster.proto.v1.TaskmasterServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Captured output through the real daemon: SIGUSR2 after an external move, a deleted log file, tail over the socket. */
class OutputIT {

    static final Duration LIMIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;


    @Test
    void sigusr2ReopensMovedLogsAndADeletedLogComesBack() throws Exception {
        Path config = Files.writeString(tmp.resolve("t.yaml"), """
                programs:
                  ticker:
                    cmd: "sh -c 'i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.02; done'"
                    starttime: 0
                """);
        Map<String, String> env = BinProcess.env(tmp);
        Path socket = tmp.resolve("run/taskmaster/default.sock");
        Path log = tmp.resolve("state/taskmaster/default/logs/ticker.stdout.log");
        Path moved = tmp.resolve("moved.log");
        try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            BinProcess.await("the first lines", LIMIT, () -> read(log).contains("line-5\n"));
            // What logrotate does: move the file (then it signals). The move alone is noticed at the next write.
            Files.move(log, moved);
            BinProcess.await("a new log file with lines", LIMIT, () -> read(log).split("\n").length > 5);
            new ProcessBuilder("kill", "-USR2", String.valueOf(daemon.pid())).start().waitFor(10, TimeUnit.SECONDS);
            Path daemonLog = tmp.resolve("state/taskmaster/default/taskmasterd.log");
            BinProcess.await("the reopen to be logged", LIMIT, () -> read(daemonLog).contains("reopened 2 program log files") /* stdout and stderr */);
            int before = numbers(read(log)).size();
            BinProcess.await("more lines after the reopen", LIMIT, () -> numbers(read(log)).size() > before + 5);
            assertThat(daemon.isAlive()).isTrue();
            // Nothing lost or doubled across the move and the reopen.
            List<Integer> numbers = numbers(read(moved) + read(log));
            assertThat(numbers.getFirst()).isEqualTo(1);
            for (int i = 1; i < numbers.size(); i++) {
                assertThat(numbers.get(i)).as("line after line-%d", numbers.get(i - 1)).isEqualTo(numbers.get(i - 1) + 1);
            }
            // Deleted: noticed at the next write and created again.
            Files.delete(log);
            BinProcess.await("the deleted log to come back", LIMIT, () -> read(log).split("\n").length > 3);

            ManagedChannel channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build();
            try {
                TailOutputResponse tail = TaskmasterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                        .tailOutput(TailOutputRequest.newBuilder().setName("ticker").setMaxBytes(100).build());
                assertThat(tail.getData().toStringUtf8()).contains("line-");
                assertThat(tail.getNextOffset()).isGreaterThan(100);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            ProcessHandle.of(daemon.pid()).orElseThrow().destroy(); // SIGTERM: an orderly stop of the ticker too
            assertThat(daemon.waitFor(LIMIT)).isZero();
            assertThat(read(daemonLog)).contains("received SIGUSR2");
        }
    }

    /**
     * SIGUSR2 is the daemon's (reopen the logs); the JVM suspends threads with another signal. A
     * flight recording samples methods by suspending threads every few milliseconds: with the
     * JVM on SIGUSR2 each sample was taken for a reopen request, and none was recorded. And the
     * variable that moves the signal stays the daemon's: its programs do not see it.
     */
    @Test
    void aProfilersThreadSuspensionsAreNotReopenRequestsAndProgramsDoNotInheritTheirSignal() throws Exception {
        Path config = Files.writeString(tmp.resolve("t.yaml"), """
                programs:
                  printenv:
                    cmd: "sh -c 'env; exec sleep 600'"
                    starttime: 0
                  busy: # keeps the output pump running Java code, where samples are taken
                    cmd: "yes"
                    starttime: 0
                    logfile_maxbytes: 1MB
                    logfile_backups: 1
                """);
        Path recording = tmp.resolve("daemon.jfr");
        Map<String, String> env = BinProcess.env(tmp, "TASKMASTER_JAVA_OPTS",
                "-XX:StartFlightRecording=settings=profile,filename=" + recording);
        Path log = tmp.resolve("state/taskmaster/default/logs/printenv.stdout.log");
        Path daemonLog = tmp.resolve("state/taskmaster/default/taskmasterd.log");
        Path bin = Path.of(ProcessHandle.current().info().command().orElseThrow()).getParent();
        try (BinProcess daemon = BinProcess.start(tmp, env, "bin/taskmasterd", "--allow-root", "-c", config.toString())) {
            BinProcess.await("the program's environment", LIMIT, () -> read(log).contains("XDG_STATE_HOME="));
            assertThat(read(log)).doesNotContain("_JAVA_SR_SIGNUM");
            assertThat(Files.readString(Path.of("/proc/" + daemon.pid() + "/environ")).split("\0"))
                    .contains("_JAVA_SR_SIGNUM=39");
            Path dump = tmp.resolve("dump.jfr");
            BinProcess.await("method samples in the daemon's flight recording", LIMIT, () -> {
                String summary = run(bin.resolve("jcmd").toString(), String.valueOf(daemon.pid()), "JFR.dump",
                        "filename=" + dump) + run(bin.resolve("jfr").toString(), "summary", dump.toString());
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("jdk\\.ExecutionSample\\s+(\\d+)").matcher(summary);
                return m.find() && Integer.parseInt(m.group(1)) > 50;
            });
            assertThat(read(daemonLog)).doesNotContain("SIGUSR2");
            ProcessHandle.of(daemon.pid()).orElseThrow().destroy();
            assertThat(daemon.waitFor(LIMIT)).isZero();
        }
    }

    /** What {@code argv} printed (stdout and stderr), or "" when it did not end within 30 s. */
    private static String run(String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) ? new String(out, java.nio.charset.StandardCharsets.UTF_8) : "";
        } catch (java.io.IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static List<Integer> numbers(String text) {
        List<Integer> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isEmpty()) {
                out.add(Integer.parseInt(line.substring("line-".length())));
            }
        }
        return out;
    }
}
