package dev.taskmaster.server.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.os.Errno;
import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.reexec.Reexecutor;
import dev.taskmaster.testkit.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * A re-exec whose execve fails leaves everything as it was: at the moment of the exec, the
 * engine is held, the pump reads nothing and the descriptors to keep are inheritable; after the
 * failure, the pump reads on from where it stopped (not a line lost or doubled), the engine runs,
 * a child that ended meanwhile is reaped with its status, and the API is served again.
 */
class FailedReexecTest {

    @TempDir
    Path tmp;

    @RepeatedTest(5)
    void aFailedExecUndoesEverythingAndNothingRunningNotices() throws Exception {
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  counter:
                    cmd: "sh -c 'i=0; while :; do i=$((i+1)); echo $i; done'"
                    stdout: ${TMP}/counter.log
                    starttime: 0
                  brief:
                    cmd: "sh -c 'read x; exit 3'"
                    starttime: 0
                    autorestart: never
                """)) {
            e.await("counter", ProcessState.RUNNING);
            e.await("brief", ProcessState.RUNNING);
            Path log = tmp.resolve("counter.log");
            Poll.until("the counter's first lines", Duration.ofSeconds(20), () -> size(log) > 10_000);
            int[] briefPid = {e.snapshot("brief").pid()};
            AtomicInteger stops = new AtomicInteger();
            AtomicInteger restarts = new AtomicInteger();
            List<String> seenAtExec = new ArrayList<>();
            Reexecutor reexecutor = new Reexecutor(new Reexecutor.Parts(e.engine, e.launcher.outputs(), e.pump, e.watcher,
                    new Reexecutor.Api() {
                        @Override
                        public void stop() {
                            stops.incrementAndGet();
                        }

                        @Override
                        public void restart() {
                            restarts.incrementAndGet();
                        }
                    }, () -> { }, tmp.resolve("no.lock"), Instant.now(), 0), (path, argv, envp) -> {
                        // Everything is stopped here: the engine answers nothing, the pump reads nothing.
                        CompletableFuture<?> snapshot = e.engine.snapshot();
                        long before = size(log);
                        // Proving that nothing happens takes a while: the counter writes all the time.
                        seenAtExec.add("engine held: " + !completesWithin(snapshot, 300));
                        seenAtExec.add("log still: " + (size(log) == before));
                        for (int fd : e.pump.descriptors()) {
                            seenAtExec.add("fd " + fd + " inheritable: " + !closeOnExec(fd));
                        }
                        seenAtExec.add("argv ends with the handover: " + argv.getLast().startsWith("--reexec-handover="));
                        // A child that ends now stays a zombie until the watcher reaps again.
                        killQuietly(briefPid[0]);
                        return new NativeException("execve " + path, Errno.E2BIG);
                    });

            IOException failed = reexecutor.run();

            assertThat(failed).hasMessageContaining("execve").hasMessageContaining("E2BIG");
            assertThat(seenAtExec).allMatch(s -> s.endsWith("true"), "every check at the exec: " + seenAtExec);
            assertThat(seenAtExec).hasSizeGreaterThanOrEqualTo(4);
            assertThat(stops).hasValue(1);
            assertThat(restarts).hasValue(1);
            assertThat(e.engine.snapshot().get(10, TimeUnit.SECONDS)).hasSize(2);
            assertThat(e.await("brief", s -> s == ProcessState.EXITED || s == ProcessState.STOPPED).lastExit())
                    .as("killed while nothing reaped: its status once the watcher reaps again").isPresent();
            long after = size(log);
            Poll.until("the counter's log to grow again", Duration.ofSeconds(20), () -> size(log) > after + 10_000);
            // brief's exit is reported apart from its pipes' end of file: wait until only the
            // counter's two pipes are left, or one being closed meanwhile fails the check (EBADF).
            Poll.until("brief's pipes closed", Duration.ofSeconds(20), () -> e.pump.size() == 2);
            for (int fd : e.pump.descriptors()) {
                assertThat(closeOnExec(fd)).as("fd %d close-on-exec again", fd).isTrue();
            }
            e.engine.stop(List.of("counter")).get(20, TimeUnit.SECONDS);
            e.await("counter", ProcessState.STOPPED);
            // STOPPED comes from the child watcher; the pump may still be writing what the pipe held
            // (up to 256 KiB) when it is reported: read the log once the pipes are drained.
            Poll.until("the counter's pipes drained", Duration.ofSeconds(20), () -> e.pump.size() == 0);
            List<String> lines = Files.readAllLines(log);
            for (int i = 0; i < lines.size(); i++) {
                assertThat(lines.get(i)).as("line %d of %d", i + 1, lines.size()).isEqualTo(String.valueOf(i + 1));
            }
        }
    }

    private static boolean completesWithin(CompletableFuture<?> f, long millis) {
        try {
            f.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException x) {
            return false;
        } catch (Exception x) {
            throw new IllegalStateException(x);
        }
    }

    private static boolean closeOnExec(int fd) {
        try {
            return Fds.isCloseOnExec(fd);
        } catch (NativeException x) {
            throw new IllegalStateException(x);
        }
    }

    private static void killQuietly(int pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    private static long size(Path p) {
        try {
            return Files.exists(p) ? Files.size(p) : 0;
        } catch (IOException x) {
            throw new java.io.UncheckedIOException(x);
        }
    }
}
