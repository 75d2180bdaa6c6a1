package dev.taskmaster.server.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.KillMode;
import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.Posix;
import dev.taskmaster.server.os.ProcFds;
import dev.taskmaster.server.os.ProcStat;
import dev.taskmaster.testkit.Poll;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which recorded processes count as survivors, with real processes: the very process recorded
 * (not a reused pid, not after a reboot, not another user's, not one that left its session),
 * its output found among held descriptors (a re-exec) or reopened through /proc (a crash), and
 * the ends given to those not resumed.
 */
class SurvivorsTest {

    @TempDir
    Path dir;

    private static StateFile.Contents contents(String boot, StateFile.Entry... entries) {
        return new StateFile.Contents(boot, 999_999, 77, Instant.now(), List.of(entries));
    }

    @Test
    void theRecordedProcessIsFoundWithItsUptimeAndAReusedPidIsNot() throws Exception {
        try (Spawned p = Spawned.sh("exec sleep 1000")) {
            StateFile.Entry e = p.entry("web");
            List<Survivor> found = Survivors.find(contents(Survivors.bootId(), e));
            assertThat(found).hasSize(1);
            Survivor s = found.getFirst();
            try {
                assertThat(s.pid()).isEqualTo(p.pid);
                assertThat(s.ownChild()).as("a child of this JVM (as after a re-exec)").isTrue();
                assertThat(s.reason()).startsWith("pid " + p.pid + " survived the previous daemon (pid 999999, crashed at ")
                        .endsWith(" or soon after); supervised again");
                assertThat(s.startedAt()).isBefore(Instant.now().plusSeconds(1)).isAfter(Instant.now().minusSeconds(60));
            } finally {
                s.release();
            }

            // The same pid with other start ticks: the pid was reused, and the process is someone else.
            StateFile.Entry reused = new StateFile.Entry("web", e.pid(), e.startTicks() + 1, e.session(), e.uid(), false, e.stdin(),
                    e.stdout(), e.stderr(), 15, Duration.ofSeconds(1), KillMode.MIXED);
            assertThat(Survivors.find(contents(Survivors.bootId(), reused))).isEmpty();
            // Written before the last boot: nothing can have survived.
            assertThat(Survivors.find(contents("00000000-0000-4000-8000-000000000000", e))).isEmpty();
            // A uid the daemon may not answer for.
            assertThat(Survivors.find(contents(Survivors.bootId(), e), (entry, uid) -> false)).isEmpty();
            // A spawned process that no longer leads the session recorded.
            StateFile.Entry moved = new StateFile.Entry("web", e.pid(), e.startTicks(), e.session() + 1, e.uid(), false, e.stdin(),
                    e.stdout(), e.stderr(), 15, Duration.ofSeconds(1), KillMode.MIXED);
            assertThat(Survivors.find(contents(Survivors.bootId(), moved))).isEmpty();
        }
        // Ended: nothing.
    }

    @Test
    void anEndedProcessIsNoSurvivor() throws Exception {
        StateFile.Entry e;
        try (Spawned p = Spawned.sh("exec sleep 1000")) {
            e = p.entry("web");
        }
        assertThat(Survivors.find(contents(Survivors.bootId(), e))).isEmpty();
    }

    @Test
    void afterACrashTheOutputPipeIsReopenedThroughProcAndReadsWhatTheProcessWritesNext() throws Exception {
        try (Spawned p = Spawned.sh("trap '' PIPE; while :; do echo tick; sleep 0.05; done")) {
            StateFile.Entry e = p.entry("writer");
            assertThat(e.stdout().kind()).isEqualTo(StreamIdentity.Kind.PIPE);
            p.orphanOutput(); // the daemon that read it died
            Survivor s = Survivors.find(contents(Survivors.bootId(), e)).getFirst();
            try {
                assertThat(s.outputLost()).isEmpty();
                assertThat(s.stdout()).isGreaterThanOrEqualTo(0);
                assertThat(s.stderr()).as("stderr shares stdout's pipe: read once").isEqualTo(-1);
                assertThat(s.stdin()).as("a new write end of its stdin pipe").isGreaterThanOrEqualTo(0);
                assertThat(ProcFds.pipeInode(ProcFds.link(Posix.getpid(), s.stdout()).orElseThrow()))
                        .hasValue(e.stdout().id());
                assertThat(readSome(s.stdout())).contains("tick\n");
            } finally {
                s.release();
            }
        }
    }

    @Test
    void afterAReExecTheDescriptorsTheDaemonHoldsAreTakenNotReopened() throws Exception {
        try (Spawned p = Spawned.sh("while :; do echo tock; sleep 0.05; done")) {
            StateFile.Entry e = p.entry("writer");
            int held = p.readEnd;
            int heldInput = p.stdinWrite;
            Survivor s = Survivors.find(contents(Survivors.bootId(), e)).getFirst();
            p.readEnd = -1; // the survivor's now
            p.stdinWrite = -1;
            try {
                assertThat(s.stdout()).isEqualTo(held);
                assertThat(s.stdin()).isEqualTo(heldInput);
                assertThat(Fds.isCloseOnExec(held)).isTrue();
                assertThat(readSome(s.stdout())).contains("tock\n");
            } finally {
                s.release();
            }
        }
    }

    @Test
    void anOutputPipeTheProcessNoLongerHoldsIsSaidLost() throws Exception {
        // The shell moves its stdout elsewhere once recorded: the recorded pipe cannot be reached any more.
        Path moved = dir.resolve("moved");
        try (Spawned p = Spawned.sh("read line; exec > " + moved + " 2>&1; exec sleep 1000")) {
            StateFile.Entry e = p.entry("web");
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment nl = arena.allocateFrom("go\n");
                Fds.write(p.stdinWrite, nl, 3);
            }
            Poll.until("its stdout moved", Spawned.LIMIT, () -> ProcFds.link(p.pid, 1).map(l -> l.equals(moved.toString())).orElse(false)
                    && ProcStat.of(p.pid).isPresent());
            p.orphanOutput();
            Survivor s = Survivors.find(contents(Survivors.bootId(), e)).getFirst();
            s.release();
            assertThat(s.outputLost()).contains("its stdout pipe is gone (the process no longer holds what it was given)");
        }
    }

    @Test
    void aTerminalThatClosedWithThePreviousDaemonIsSaidLost() throws Exception {
        try (Spawned p = Spawned.sh("exec sleep 1000")) {
            StateFile.Entry e = p.entry("console");
            StateFile.Entry onPty = new StateFile.Entry("console", e.pid(), e.startTicks(), e.session(), e.uid(), false,
                    new StreamIdentity(StreamIdentity.Kind.PTY, 4093), new StreamIdentity(StreamIdentity.Kind.PTY, 4093),
                    new StreamIdentity(StreamIdentity.Kind.PTY, 4093), 15, Duration.ofSeconds(1), KillMode.MIXED);
            Survivor s = Survivors.find(contents(Survivors.bootId(), onPty)).getFirst();
            assertThat(s.tty()).isTrue();
            assertThat(s.outputLost()).contains("its terminal (pty 4093) closed with the previous daemon, and a terminal cannot be reopened");
            assertThat(s.outputCaptured()).isFalse();
        }
    }

    @Test
    void freshKillsTheSurvivorAndEverythingLeftInItsSession() throws Exception {
        Path pids = dir.resolve("pids");
        try (Spawned p = Spawned.sh("sleep 1000 & echo $! >> " + pids + "; sleep 1000 & echo $! >> " + pids + "; wait")) {
            Poll.until("two grandchildren", Spawned.LIMIT, () -> lines(pids).size() == 2);
            List<Integer> grandchildren = lines(pids).stream().map(Integer::parseInt).toList();
            Survivor s = Survivors.find(contents(Survivors.bootId(), p.entry("forker"))).getFirst();
            assertThat(Survivors.kill(List.of(s), Spawned.LIMIT)).isEqualTo(3);
            for (int pid : grandchildren) {
                assertThat(gone(pid)).as("grandchild %d", pid).isTrue();
            }
            assertThat(gone(p.pid)).isTrue();
        }
    }

    @Test
    void aSurvivorOfARemovedProgramIsStoppedByItsRecordedSettingsThenKilled() throws Exception {
        // It ignores its stop signal: SIGKILL after its stoptime.
        try (Spawned p = Spawned.sh("trap '' TERM; while :; do sleep 0.05; done")) {
            Poll.until("the shell to ignore SIGTERM", Spawned.LIMIT, () -> ignores(p.pid, 15));
            StateFile.Entry e = p.entry("gone");
            StateFile.Entry quick = new StateFile.Entry("gone", e.pid(), e.startTicks(), e.session(), e.uid(), false, e.stdin(),
                    e.stdout(), e.stderr(), 15, Duration.ofMillis(300), KillMode.MIXED);
            Survivor s = Survivors.find(contents(Survivors.bootId(), quick)).getFirst();
            long t0 = System.nanoTime();
            assertThat(Survivors.stop(s)).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
            assertThat(gone(p.pid)).isTrue();
            Poll.until("nothing left in its session", Spawned.LIMIT,
                    () -> ProcStat.all().stream().noneMatch(x -> x.session() == p.pid && !x.isZombie()));
        }
    }

    /** Whether {@code pid} ignores {@code signal} (the SigIgn mask of its status). */
    private static boolean ignores(int pid, int signal) {
        try {
            return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("SigIgn:"))
                    .anyMatch(l -> (Long.parseUnsignedLong(l.substring(7).trim(), 16) & (1L << (signal - 1))) != 0);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static boolean gone(int pid) {
        return ProcStat.of(pid).map(ProcStat::isZombie).orElse(true);
    }

    private static List<String> lines(Path f) {
        try {
            return Files.exists(f) ? Files.readAllLines(f) : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Reads from a non-blocking descriptor until something came (within the limit). */
    private static String readSome(int fd) throws InterruptedException {
        StringBuilder got = new StringBuilder();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            Poll.until("output on fd " + fd, Spawned.LIMIT, () -> {
                try {
                    long n = Fds.read(fd, buf, buf.byteSize());
                    if (n > 0) {
                        got.append(new String(buf.asSlice(0, n).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
                    }
                } catch (NativeException e) {
                    throw new AssertionError(e);
                }
                return got.indexOf("\n") >= 0;
            });
        }
        return got.toString();
    }
}
