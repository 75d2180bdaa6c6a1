package dev.taskmaster.server.os;

import dev.taskmaster.testkit.Poll;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/** Test helpers: spawn, capture, reap with deadlines, and inspect /proc. */
final class Children {

    static final Map<String, String> ENV = Map.of("PATH", "/usr/bin:/bin", "LC_ALL", "C");
    static final Duration DEADLINE = Duration.ofSeconds(20);

    record Result(WaitStatus status, String stdout) {}

    private Children() {}

    static SpawnRequest request(String executable, String... argv) {
        return SpawnRequest.of(Path.of(executable), List.of(argv), ENV);
    }

    static SpawnRequest sh(String script) {
        return request("/bin/sh", "sh", "-c", script);
    }

    /** Runs {@code request} with its stdout replaced by a pipe; returns what it wrote and how it ended. */
    static Result capture(SpawnRequest request) throws Exception {
        Pipe pipe = Pipe.create();
        int pid;
        try {
            pid = PosixSpawn.spawn(request.withStdio(request.stdin(), new Stdio.Fd(pipe.writeFd()),
                    request.stderr()));
        } finally {
            Fds.close(pipe.writeFd());
        }
        int pidfd = PidFd.open(pid);
        try {
            String out = readAll(pipe.readFd());
            return new Result(awaitExit(pidfd), out);
        } finally {
            Fds.close(pipe.readFd());
            Fds.close(pidfd);
        }
    }

    /** Spawns, reaps and closes the pidfd. */
    static WaitStatus run(SpawnRequest request) throws Exception {
        int pidfd = PidFd.open(PosixSpawn.spawn(request));
        try {
            return awaitExit(pidfd);
        } finally {
            Fds.close(pidfd);
        }
    }

    /** Reads a blocking descriptor to end of file. */
    static String readAll(int fd) throws NativeException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            long n;
            while ((n = Fds.read(fd, buf, buf.byteSize())) > 0) {
                out.writeBytes(buf.asSlice(0, n).toArray(JAVA_BYTE));
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Polls {@link PidFd#tryWait} until the child has ended, failing after {@link #DEADLINE}. */
    static WaitStatus awaitExit(int pidfd) throws NativeException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (true) {
            Optional<WaitStatus> status = PidFd.tryWait(pidfd);
            if (status.isPresent()) {
                return status.get();
            }
            if (System.nanoTime() > deadline) {
                fail("child behind pidfd " + pidfd + " still running after " + DEADLINE);
            }
            LockSupport.parkNanos(50_000);
        }
    }

    /** Polls until {@code condition} holds, failing after {@link #DEADLINE}. */
    static void await(String what, java.util.function.BooleanSupplier condition) {
        Poll.until(what, DEADLINE, condition);
    }

    /** Fields of /proc/PID/stat after the command name: [0] state, [1] ppid, [2] pgrp, [3] session. */
    static Optional<String[]> stat(long pid) {
        try {
            String line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return Optional.of(line.substring(line.lastIndexOf(')') + 2).split(" "));
        } catch (NoSuchFileException gone) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pids of processes matching a predicate on their stat fields. */
    static Set<Long> processes(java.util.function.Predicate<String[]> which) {
        Set<Long> found = new HashSet<>();
        try (Stream<Path> dirs = Files.list(Path.of("/proc"))) {
            dirs.map(p -> p.getFileName().toString())
                    .filter(name -> name.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .forEach(pid -> stat(pid).filter(which).ifPresent(s -> found.add(pid)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    static Set<Long> zombieChildren() {
        String self = Long.toString(ProcessHandle.current().pid());
        return processes(s -> s[0].equals("Z") && s[1].equals(self));
    }

    static long openFdCount() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
