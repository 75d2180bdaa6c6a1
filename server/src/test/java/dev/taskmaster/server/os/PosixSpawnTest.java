package dev.taskmaster.server.os;

import static dev.taskmaster.server.os.Children.capture;
import static dev.taskmaster.server.os.Children.request;
import static dev.taskmaster.server.os.Children.run;
import static dev.taskmaster.server.os.Children.sh;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class PosixSpawnTest {

    @TempDir
    Path tmp;

    @Test
    void exitCodeIsReported() throws Exception {
        assertThat(run(sh("exit 7"))).isEqualTo(new WaitStatus.Exited(7));
        assertThat(run(request("/bin/true", "true"))).isEqualTo(new WaitStatus.Exited(0));
        assertThat(run(sh("exit 255"))).isEqualTo(new WaitStatus.Exited(255));
    }

    @Test
    void deathBySignalIsNotAnExitCode() throws Exception {
        // Core dumps may or may not be written (ulimit -c, core_pattern): accept either; run in
        // a scratch directory in case one is.
        WaitStatus segv = run(sh("kill -SEGV $$").withWorkingDir(tmp));
        assertThat(segv).isInstanceOfSatisfying(WaitStatus.Killed.class,
                k -> assertThat(k.signal()).isEqualTo(Signals.SIGSEGV));

        assertThat(run(sh("kill -TERM $$"))).isEqualTo(new WaitStatus.Killed(Signals.SIGTERM, false));
    }

    @Test
    void killedByPidAndByPidfd() throws Exception {
        int pid = PosixSpawn.spawn(request("/bin/sleep", "sleep", "30"));
        int pidfd = PidFd.open(pid);
        assertThat(PidFd.tryWait(pidfd)).isEmpty();
        Signals.kill(pid, Signals.SIGKILL);
        assertThat(Children.awaitExit(pidfd)).isEqualTo(new WaitStatus.Killed(9, false));
        Fds.close(pidfd);

        pidfd = PidFd.open(PosixSpawn.spawn(request("/bin/sleep", "sleep", "30")));
        PidFd.sendSignal(pidfd, Signals.SIGTERM);
        assertThat(Children.awaitExit(pidfd)).isEqualTo(new WaitStatus.Killed(Signals.SIGTERM, false));
        // Reaped: the pidfd now names a process that is gone.
        int reaped = pidfd;
        assertThatThrownBy(() -> PidFd.sendSignal(reaped, Signals.SIGTERM))
                .isInstanceOfSatisfying(NativeException.class, e -> assertThat(e.errnoName()).isEqualTo("ESRCH"));
        assertThatThrownBy(() -> PidFd.tryWait(reaped))
                .isInstanceOfSatisfying(NativeException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("ECHILD");
                    assertThat(e.call()).isEqualTo("waitid");
                });
        Fds.close(pidfd);
    }

    @Test
    void environmentIsExactlyTheOneGiven() throws Exception {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("A", "1");
        env.put("WITH_SPACES", "two words");
        env.put("EMPTY", "");
        env.put("UNICODE", "héllo");
        SpawnRequest request = new SpawnRequest(Path.of("/usr/bin/env"), List.of("env"), env,
                java.util.Optional.empty(), Stdio.devNull(), Stdio.devNull(), Stdio.devNull(), false);
        Children.Result result = capture(request);
        assertThat(result.status()).isEqualTo(new WaitStatus.Exited(0));
        assertThat(result.stdout().lines()).containsExactly("A=1", "WITH_SPACES=two words", "EMPTY=", "UNICODE=héllo");

        Children.Result none = capture(new SpawnRequest(Path.of("/usr/bin/env"), List.of("env"), Map.of(),
                java.util.Optional.empty(), Stdio.devNull(), Stdio.devNull(), Stdio.devNull(), true));
        assertThat(none.stdout()).isEmpty();
    }

    @Test
    void argvIsPassedVerbatimIncludingArgvZero() throws Exception {
        String script = "echo \"$0|$1\"; tr '\\0' '\\n' < /proc/$$/cmdline";
        Children.Result result = capture(request("/bin/sh", "custom-name", "-c", script, "x y", "*"));
        assertThat(result.stdout().lines()).containsExactly("x y|*", "custom-name", "-c", script, "x y", "*");
    }

    @Test
    void workingDirectoryIsHonoured() throws Exception {
        Children.Result result = capture(request("/bin/pwd", "pwd").withWorkingDir(tmp));
        assertThat(result.stdout().strip()).isEqualTo(tmp.toRealPath().toString());
    }

    @Test
    void launchFailuresAreNativeExceptionsNamingTheErrno() throws Exception {
        assertSpawnFails(request("/bin/true", "true").withWorkingDir(tmp.resolve("missing")), "ENOENT");
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        assertSpawnFails(request("/bin/true", "true").withWorkingDir(file), "ENOTDIR");

        assertSpawnFails(request(tmp.resolve("no-such-program").toString(), "x"), "ENOENT");

        Path notExecutable = Files.writeString(tmp.resolve("script.sh"), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(notExecutable, PosixFilePermissions.fromString("rw-r--r--"));
        assertSpawnFails(request(notExecutable.toString(), "script"), "EACCES");

        Path garbage = Files.write(tmp.resolve("garbage"), new byte[] {0, 1, 2, 3, 4, 5, 6, 7, 0x10, 0x20, 0x30});
        Files.setPosixFilePermissions(garbage, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertSpawnFails(request(garbage.toString(), "garbage"), "ENOEXEC");

        assertSpawnFails(request(tmp.toString(), "dir"), "EACCES");

        // A script with +x is fine: the kernel runs its #! interpreter.
        Files.setPosixFilePermissions(notExecutable, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(run(request(notExecutable.toString(), "script"))).isEqualTo(new WaitStatus.Exited(0));
    }

    private static void assertSpawnFails(SpawnRequest request, String errno) {
        assertThatThrownBy(() -> PosixSpawn.spawn(request))
                .isInstanceOfSatisfying(NativeException.class, e -> {
                    assertThat(e.call()).isEqualTo("posix_spawn");
                    assertThat(e.errnoName()).isEqualTo(errno);
                    assertThat(e.getMessage()).startsWith("posix_spawn: ").endsWith("(" + errno + ")");
                });
    }

    @Test
    void appendFileAppendsAndCreatesWithUmaskedMode() throws Exception {
        Path log = tmp.resolve("out.log");
        Path err = tmp.resolve("err.log");
        SpawnRequest first = sh("echo first; echo oops >&2")
                .withStdio(Stdio.devNull(), new Stdio.AppendFile(log), new Stdio.AppendFile(err));
        assertThat(run(first)).isEqualTo(new WaitStatus.Exited(0));
        assertThat(run(sh("echo second").withStdio(Stdio.devNull(), new Stdio.AppendFile(log), Stdio.devNull())))
                .isEqualTo(new WaitStatus.Exited(0));
        assertThat(Files.readString(log)).isEqualTo("first\nsecond\n");
        assertThat(Files.readString(err)).isEqualTo("oops\n");

        int umask = Posix.umask(022);
        Posix.umask(umask);
        Set<PosixFilePermission> expected = PosixFilePermissions.fromString(
                permissions(0644 & ~umask));
        assertThat(Files.getPosixFilePermissions(log)).isEqualTo(expected);
    }

    private static String permissions(int mode) {
        StringBuilder s = new StringBuilder();
        String letters = "rwx";
        for (int bit = 8; bit >= 0; bit--) {
            s.append((mode & (1 << bit)) != 0 ? letters.charAt((8 - bit) % 3) : '-');
        }
        return s.toString();
    }

    @Test
    void devNullAndReadFile() throws Exception {
        Children.Result nulls = capture(sh("readlink /proc/$$/fd/0 /proc/$$/fd/2; cat; echo end"));
        assertThat(nulls.stdout()).isEqualTo("/dev/null\n/dev/null\nend\n");

        Path input = Files.writeString(tmp.resolve("input.txt"), "line 1\nline 2\n");
        Children.Result fromFile = capture(request("/bin/cat", "cat")
                .withStdio(new Stdio.ReadFile(input), Stdio.devNull(), Stdio.devNull()));
        assertThat(fromFile.stdout()).isEqualTo("line 1\nline 2\n");
    }

    @Test
    void readFileThatDoesNotExistFailsTheSpawn() {
        assertSpawnFails(request("/bin/cat", "cat")
                .withStdio(new Stdio.ReadFile(tmp.resolve("absent")), Stdio.devNull(), Stdio.devNull()), "ENOENT");
    }

    @Test
    void stdoutAndStderrCanShareOnePipe() throws Exception {
        Pipe pipe = Pipe.create();
        int pidfd;
        try {
            SpawnRequest request = sh("echo out; echo err >&2")
                    .withStdio(Stdio.devNull(), new Stdio.Fd(pipe.writeFd()), new Stdio.Fd(pipe.writeFd()));
            pidfd = PidFd.open(PosixSpawn.spawn(request));
        } finally {
            Fds.close(pipe.writeFd());
        }
        assertThat(Children.readAll(pipe.readFd())).isEqualTo("out\nerr\n");
        assertThat(Children.awaitExit(pidfd)).isEqualTo(new WaitStatus.Exited(0));
        Fds.close(pipe.readFd());
        Fds.close(pidfd);
    }

    @Test
    void aStdFdAsSourceIsNotClobberedByAnEarlierAction() throws Exception {
        // stdin <- a pipe, stderr <- the daemon's own fd 0: if dup2(pipe, 0) ran first, a naive
        // dup2(0, 2) would hand the child the pipe twice.
        String daemonStdin = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString();
        Pipe in = Pipe.create();
        try {
            Children.Result result = capture(sh("readlink /proc/$$/fd/0 /proc/$$/fd/2")
                    .withStdio(new Stdio.Fd(in.readFd()), Stdio.devNull(), new Stdio.Fd(0)));
            List<String> links = result.stdout().lines().toList();
            assertThat(links).hasSize(2);
            assertThat(links.get(0)).startsWith("pipe:");
            assertThat(links.get(1)).isEqualTo(daemonStdin).isNotEqualTo(links.get(0));
        } finally {
            Fds.close(in.readFd());
            Fds.close(in.writeFd());
        }
    }

    @Test
    void newSessionMakesTheChildSessionAndGroupLeader() throws Exception {
        int pid = PosixSpawn.spawn(request("/bin/sleep", "sleep", "30"));
        int pidfd = PidFd.open(pid);
        try {
            String[] stat = Children.stat(pid).orElseThrow();
            assertThat(stat[2]).as("pgrp").isEqualTo(Integer.toString(pid));
            assertThat(stat[3]).as("session").isEqualTo(Integer.toString(pid));
        } finally {
            PidFd.sendSignal(pidfd, Signals.SIGKILL);
            Children.awaitExit(pidfd);
            Fds.close(pidfd);
        }

        String[] self = Children.stat(ProcessHandle.current().pid()).orElseThrow();
        pid = PosixSpawn.spawn(request("/bin/sleep", "sleep", "30").withNewSession(false));
        pidfd = PidFd.open(pid);
        try {
            String[] stat = Children.stat(pid).orElseThrow();
            assertThat(stat[2]).as("pgrp").isEqualTo(self[2]);
            assertThat(stat[3]).as("session").isEqualTo(self[3]);
        } finally {
            PidFd.sendSignal(pidfd, Signals.SIGKILL);
            Children.awaitExit(pidfd);
            Fds.close(pidfd);
        }
    }

    @Test
    void onlyStdioReachesTheChildEvenFromDescriptorsWithoutCloseOnExec() throws Exception {
        Pipe leaky = Pipe.create(); // stands for the JVM's own fds opened without O_CLOEXEC
        Fds.setCloseOnExec(leaky.readFd(), false);
        Fds.setCloseOnExec(leaky.writeFd(), false);
        try {
            for (int i = 0; i < 20; i++) {
                Children.Result result = capture(request("/bin/ls", "ls", "/proc/self/fd"));
                // 3 is the directory ls itself opened to list /proc/self/fd.
                assertThat(result.stdout().lines().toList()).containsExactly("0", "1", "2", "3");
            }
        } finally {
            Fds.close(leaky.readFd());
            Fds.close(leaky.writeFd());
        }
    }

    @Test
    @SuppressWarnings("removal")
    void signalMaskAndDispositionsStartClean() throws Exception {
        // Make sure the daemon side really has an ignored signal to leak.
        sun.misc.Signal hup = new sun.misc.Signal("HUP");
        sun.misc.SignalHandler previous = sun.misc.Signal.handle(hup, sun.misc.SignalHandler.SIG_IGN);
        try {
            long ignored = Long.parseLong(statusField(Files.readString(Path.of("/proc/self/status")), "SigIgn"), 16);
            assertThat(ignored & (1L << (Signals.SIGHUP - 1))).as("SIGHUP ignored in the test JVM").isNotZero();

            Children.Result result = capture(sh("grep -E 'SigIgn|SigBlk' /proc/self/status"));
            assertThat(statusField(result.stdout(), "SigBlk")).isEqualTo("0000000000000000");
            assertThat(statusField(result.stdout(), "SigIgn")).isEqualTo("0000000000000000");
        } finally {
            sun.misc.Signal.handle(hup, previous);
        }
    }

    private static String statusField(String status, String name) {
        return status.lines().filter(l -> l.startsWith(name + ":")).findFirst().orElseThrow()
                .substring(name.length() + 1).strip();
    }

    @Test
    void manySpawnsLeaveNoZombieAndNoDescriptor() throws Exception {
        SpawnRequest trueRequest = request("/bin/true", "true");
        SpawnRequest failing = request("/nonexistent/program", "x");
        for (int i = 0; i < 20; i++) { // warm up: classes, arenas, thread-locals
            run(trueRequest);
        }
        Set<Long> zombiesBefore = Children.zombieChildren();
        long fdsBefore = Children.openFdCount();
        for (int i = 0; i < 500; i++) {
            assertThat(run(trueRequest)).isEqualTo(new WaitStatus.Exited(0));
            if (i % 5 == 0) {
                assertThatThrownBy(() -> PosixSpawn.spawn(failing)).isInstanceOf(NativeException.class);
            }
        }
        Set<Long> zombies = Children.zombieChildren();
        zombies.removeAll(zombiesBefore);
        assertThat(zombies).isEmpty();
        Children.await("fd count back to " + fdsBefore, () -> Children.openFdCount() == fdsBefore);
    }

    @Test
    void concurrentSpawnsDoNotHandPipesToEachOther() throws Exception {
        // Long-lived children started while other threads hold pipe ends: if any of those ends
        // leaked into a sleeper, the matching reader would not see end-of-file for 30 s.
        int threads = 4;
        int rounds = 25;
        List<Integer> sleepers = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        try (var executor = java.util.concurrent.Executors.newFixedThreadPool(threads)) {
            List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                futures.add(executor.submit(() -> {
                    for (int r = 0; r < rounds; r++) {
                        if (r % 5 == 0) {
                            sleepers.add(PidFd.open(PosixSpawn.spawn(request("/bin/sleep", "sleep", "30"))));
                        }
                        String expected = id + ":" + r;
                        Children.Result result = capture(sh("echo " + expected));
                        assertThat(result.stdout()).isEqualTo(expected + "\n");
                    }
                    return null;
                }));
            }
            for (var f : futures) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            for (int pidfd : sleepers) {
                PidFd.sendSignal(pidfd, Signals.SIGKILL);
                assertThat(Children.awaitExit(pidfd)).isEqualTo(new WaitStatus.Killed(9, false));
                Fds.close(pidfd);
            }
        }
    }

    @Test
    void requestIsValidated() {
        assertThatThrownBy(() -> request("bin/true", "true")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpawnRequest.of(Path.of("/bin/true"), List.of(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpawnRequest.of(Path.of("/bin/true"), List.of("a\0b"), Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SpawnRequest.of(Path.of("/bin/true"), List.of("true"), Map.of("A=B", "c")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Stdio.Fd(-1)).isInstanceOf(IllegalArgumentException.class);
        Map<String, String> ordered = new LinkedHashMap<>();
        ordered.put("Z", "1");
        ordered.put("A", "2");
        assertThat(SpawnRequest.of(Path.of("/bin/true"), List.of("true"), ordered).env().keySet())
                .containsExactly("Z", "A");
    }
}
