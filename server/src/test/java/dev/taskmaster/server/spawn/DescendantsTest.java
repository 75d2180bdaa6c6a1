package dev.taskmaster.server.spawn;

import static dev.taskmaster.server.engine.ProcessState.EXITED;
import static dev.taskmaster.server.engine.ProcessState.RUNNING;
import static dev.taskmaster.server.engine.ProcessState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.os.Fds;
import dev.taskmaster.server.os.NativeException;
import dev.taskmaster.server.os.PidFd;
import dev.taskmaster.server.os.PosixSpawn;
import dev.taskmaster.server.os.SpawnRequest;
import dev.taskmaster.server.os.ProcStat;
import dev.taskmaster.server.os.Signals;
import dev.taskmaster.testkit.Poll;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What programs leave behind, with real processes and the test JVM as a child subreaper, as the
 * daemon is (issue 13, "Orphans and grandchildren"): killmode mixed and group leave nothing,
 * process keeps it and reports it, a changed kill mode applies to the running process, and the
 * main process's exit status is never taken by the reaping of the others.
 */
class DescendantsTest {

    /** Restarts at once however short the runs: these tests want a restart loop, not its backoff (backoff.reset_after). */
    private static final String RESTART_LOOP = ", backoff: {reset_after: 0}";


    @TempDir
    Path tmp;

    /** Every process a test saw, killed after it (by pidfd, checked against its start time). */
    private final List<Proc> seen = new ArrayList<>();

    /** One process for good: a pid and when it started, so a reused pid is never taken for it. */
    record Proc(int pid, long startTicks) {
        static Optional<Proc> of(int pid) {
            return ProcStat.of(pid).map(s -> new Proc(pid, s.startTicks()));
        }

        /** Still there, even as a zombie nobody reaped. */
        boolean present() {
            return ProcStat.of(pid).filter(s -> s.startTicks() == startTicks).isPresent();
        }

        boolean alive() {
            return ProcStat.of(pid).filter(s -> s.startTicks() == startTicks && !s.isZombie()).isPresent();
        }

        Optional<ProcStat> stat() {
            return ProcStat.of(pid).filter(s -> s.startTicks() == startTicks);
        }

        /** SIGKILL, and reaping when it is a child of this JVM (no subreaper may be left to do it). */
        void killQuietly() {
            boolean ours = stat().map(s -> s.ppid() == ProcessHandle.current().pid()).orElse(false);
            try {
                int fd = PidFd.open(pid);
                try {
                    if (present()) {
                        PidFd.sendSignal(fd, Signals.SIGKILL);
                    }
                } finally {
                    Fds.closeQuietly(fd);
                }
            } catch (NativeException gone) {
                // not there any more: the expected case
            }
            if (ours) {
                Poll.until("pid " + pid + " reaped", RealEngine.LIMIT, () -> {
                    try {
                        return PidFd.tryWaitPid(pid).isPresent();
                    } catch (NativeException e) {
                        return true; // reaped already (ECHILD)
                    }
                });
            }
        }
    }

    @AfterEach
    void killWhatWasSeen() {
        seen.forEach(Proc::killQuietly);
    }

    @Test
    void mixedStopLeavesNeitherSleep() throws Exception {
        // "sh -c 'sleep 1000 & sleep 1000 & wait'": the shell gets the stop signal, the sleeps do not.
        script("family.sh", "sleep 1000 & echo $! >> \"$1\"/kids\nsleep 1000 & echo $! >> \"$1\"/kids\nwait\n");
        try (RealEngine e = engine("family: {cmd: \"sh ${TMP}/family.sh ${TMP}\", starttime: 0}")) {
            e.await("family", RUNNING);
            List<Proc> kids = pids("kids", 2);
            e.engine.stop(List.of("family")).get(10, TimeUnit.SECONDS);
            e.await("family", STOPPED);
            Poll.until("both sleeps killed and reaped", RealEngine.LIMIT, () -> kids.stream().noneMatch(Proc::present));
        }
    }

    @Test
    void mixedLeavesNothingWhenTheShellIsKilled() throws Exception {
        script("family.sh", "sleep 1000 & echo $! >> \"$1\"/kids\nsleep 1000 & echo $! >> \"$1\"/kids\nwait\n");
        try (RealEngine e = engine("family: {cmd: \"sh ${TMP}/family.sh ${TMP}\", starttime: 0, autorestart: never}")) {
            int shell = e.await("family", RUNNING).pid();
            List<Proc> kids = pids("kids", 2);
            Signals.kill(shell, Signals.SIGKILL);
            e.await("family", EXITED);
            Poll.until("both sleeps killed and reaped", RealEngine.LIMIT, () -> kids.stream().noneMatch(Proc::present));
            assertThat(e.snapshot("family").leftovers()).isZero();
        }
    }

    @Test
    void processKeepsTheSleepsReportsThemAndLeavesThemAtShutdown() throws Exception {
        script("family.sh", "sleep 1000 & echo $! >> \"$1\"/kids\nsleep 1000 & echo $! >> \"$1\"/kids\nwait\n");
        List<Proc> kids;
        try (RealEngine e = engine("family: {cmd: \"sh ${TMP}/family.sh ${TMP}\", starttime: 0, autorestart: never,"
                + " killmode: process}")) {
            int shell = e.await("family", RUNNING).pid();
            kids = pids("kids", 2);
            Signals.kill(shell, Signals.SIGKILL);
            e.await("family", EXITED);
            Poll.until("the two leftovers to be counted", RealEngine.LIMIT, () -> leftovers(e, "family") == 2);
            for (Proc kid : kids) {
                assertThat(kid.alive()).as("sleep %d kept", kid.pid()).isTrue();
                // Re-parented to the subreaper, not to init: known, and reaped here when they end.
                assertThat(kid.stat().orElseThrow().ppid()).isEqualTo((int) ProcessHandle.current().pid());
            }
            kids.getFirst().killQuietly();
            Poll.until("the count to drop when one ends", RealEngine.LIMIT, () -> leftovers(e, "family") == 1);
            assertThat(kids.getFirst().present()).as("the ended leftover reaped").isFalse();
        }
        // The user asked for them to be left alone: a shutdown does not kill them either.
        assertThat(kids.get(1).alive()).isTrue();
    }

    @Test
    void aCrashLoopLeavesNothingAfterStopOrShutdown20Times() throws Exception {
        // "sh -c 'sleep 0.3 & exit 7'" in a crash loop left its sleep behind: here the sleep would
        // outlive the test by far, and its pid is written down to be looked for.
        script("crash.sh", "sleep 1000 & echo $! >> \"$1\"/sleeps\nexit 7\n");
        for (int round = 0; round < 20; round++) {
            Files.deleteIfExists(tmp.resolve("sleeps"));
            List<Proc> sleeps;
            try (RealEngine e = engine("crash: {cmd: \"sh ${TMP}/crash.sh ${TMP}\", starttime: 0" + RESTART_LOOP + "}")) {
                e.until("round " + round + ": three restarts", all -> all.getFirst().restartCount() >= 3);
                if (round % 2 == 0) {
                    e.engine.stop(List.of("crash")).get(10, TimeUnit.SECONDS);
                    e.until("round " + round + ": stopped", all -> !all.getFirst().state().hasProcess()
                            && all.getFirst().state() != ProcessState.BACKOFF);
                    sleeps = pids("sleeps", 3);
                    int r = round;
                    Poll.until("round " + r + ": no sleep left after the stop", RealEngine.LIMIT,
                            () -> sleeps.stream().noneMatch(Proc::present));
                } else {
                    sleeps = pids("sleeps", 3);
                }
                // The exits were each reported as they were: none taken by the reaping of the sleeps.
                assertThat(exits(e)).isNotEmpty().allMatch(o -> o.equals(new ExitOutcome.Exited(7)));
            }
            List<Proc> all = pids("sleeps", sleeps.size());
            int r = round;
            Poll.until("round " + r + ": no sleep left after the shutdown", RealEngine.LIMIT,
                    () -> all.stream().noneMatch(Proc::present));
        }
    }

    @Test
    void theReapingOfOrphansNeverTakesAMainProcessExit() throws Exception {
        // Eight instances exit at once and again, each leaving an orphan: sweeps run all the time,
        // among main processes that exit before, while and after they are watched. A main process
        // reaped by a sweep would never be reported: its instance would stop restarting.
        try (RealEngine e = engine("flap: {cmd: \"sh -c 'sleep 0.01 & exit 3'\", starttime: 0, numprocs: 8" + RESTART_LOOP + "}")) {
            e.until("every instance to restart 25 times", all -> all.stream().allMatch(s -> s.restartCount() >= 25));
            e.engine.stop(List.of("flap:0", "flap:1", "flap:2", "flap:3", "flap:4", "flap:5", "flap:6", "flap:7"))
                    .get(10, TimeUnit.SECONDS);
            assertThat(exits(e)).hasSizeGreaterThanOrEqualTo(8 * 25).allMatch(o -> o.equals(new ExitOutcome.Exited(3)));
        }
    }

    @Test
    void aMainProcessThatEndedBeforeItsWatcherCameIsNotReapedBySweeps() throws Exception {
        // The race widened on purpose: the watcher thread is held in a callback while main
        // processes end, so they wait as zombies, not yet reaped; sweeps run meanwhile. They must
        // leave those to the watcher, which reports each exit, exactly, once it runs again.
        try (RealEngine e = engine("quick: {cmd: \"sh -c 'exit 3'\", starttime: 0, numprocs: 4, autostart: false,"
                + " autorestart: never}")) {
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            int blocker;
            java.util.concurrent.locks.Lock spawning = e.watcher.spawning();
            spawning.lock();
            try {
                blocker = PosixSpawn.spawn(SpawnRequest.of(Path.of("/bin/sh"), List.of("sh", "-c", "exit 0"), Map.of()));
                e.watcher.watch(blocker, false, status -> {
                    held.countDown();
                    try {
                        release.await(RealEngine.LIMIT.toMillis(), TimeUnit.MILLISECONDS);
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                });
            } finally {
                spawning.unlock();
            }
            try {
                assertThat(held.await(RealEngine.LIMIT.toMillis(), TimeUnit.MILLISECONDS)).as("the watcher held").isTrue();
                List<String> names = List.of("quick:0", "quick:1", "quick:2", "quick:3");
                e.engine.start(names).get(10, TimeUnit.SECONDS);
                List<Proc> mains = new ArrayList<>();
                for (String n : names) {
                    Proc.of(e.snapshot(n).pid()).ifPresent(mains::add);
                }
                assertThat(mains).hasSize(4);
                Poll.until("the four main processes to end", RealEngine.LIMIT,
                        () -> mains.stream().allMatch(m -> m.stat().map(ProcStat::isZombie).orElse(false)));
                for (int i = 0; i < 5; i++) {
                    e.descendants.sweepNow();
                }
                assertThat(mains).as("left to the watcher").allMatch(Proc::present);
            } finally {
                release.countDown();
            }
            for (String n : List.of("quick:0", "quick:1", "quick:2", "quick:3")) {
                assertThat(e.await(n, EXITED).lastExit().orElseThrow().outcome()).isEqualTo(new ExitOutcome.Exited(3));
            }
        }
    }

    @Test
    void aWorkerHoldingThePortDoesNotBlockTheRestartedMaster() throws Exception {
        requirePython();
        int port = freePort();
        script("master.py", """
                import os, socket, sys, time
                port, log = int(sys.argv[1]), sys.argv[2]
                s = socket.socket()
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind(("127.0.0.1", port))
                except OSError as e:
                    open(log, "a").write("failed %s\\n" % e.errno)
                    sys.exit(2)
                s.listen()
                worker = os.fork()
                if worker == 0:
                    time.sleep(1000)  # a worker: holds the listening socket, as nginx's do
                    os._exit(0)
                open(log, "a").write("bound %d\\n" % worker)
                sys.exit(1)           # the master crashes
                """);
        String program = "web: {cmd: \"/usr/bin/python3 ${TMP}/master.py " + port + " ${TMP}/binds\", starttime: 0, ";
        try (RealEngine e = engine(program + "autorestart: always" + RESTART_LOOP + "}")) {
            Poll.until("five masters to bind", RealEngine.LIMIT, () -> lines("binds").size() >= 5);
            e.engine.stop(List.of("web")).get(10, TimeUnit.SECONDS);
            e.until("stopped", all -> !all.getFirst().state().hasProcess() && all.getFirst().state() != ProcessState.BACKOFF);
            List<String> binds = lines("binds");
            binds.stream().filter(l -> l.startsWith("bound ")).forEach(l -> Proc.of(Integer.parseInt(l.substring(6)))
                    .ifPresent(seen::add));
            assertThat(binds).as("every restarted master could bind").allMatch(l -> l.startsWith("bound "));
        }
        // The control: with killmode process the worker keeps the port, and the next master cannot bind.
        Files.deleteIfExists(tmp.resolve("binds"));
        try (RealEngine e = engine(program + "autorestart: always, startretries: 0, killmode: process" + RESTART_LOOP + "}")) {
            Poll.until("a master to fail to bind", RealEngine.LIMIT, () -> lines("binds").stream()
                    .anyMatch(l -> l.startsWith("failed ")));
            lines("binds").stream().filter(l -> l.startsWith("bound ")).forEach(l -> Proc.of(
                    Integer.parseInt(l.substring(6))).ifPresent(seen::add));
        }
    }

    @Test
    void killasgroupTurnedOnInPlaceIsAppliedToTheRunningProcess() throws Exception {
        script("family.sh", "sleep 1000 & echo $! >> \"$1\"/kids\nsleep 1000 & echo $! >> \"$1\"/kids\nwait\n");
        String program = "family: {cmd: \"sh ${TMP}/family.sh ${TMP}\", starttime: 0, autorestart: never, ";
        try (RealEngine e = engine(program + "killasgroup: false}")) {
            int shell = e.await("family", RUNNING).pid();
            List<Proc> kids = pids("kids", 2);
            ConfigDiff diff = e.engine.reload(RealEngine.config(tmp, yaml(program + "killasgroup: true}")))
                    .get(10, TimeUnit.SECONDS);
            assertThat(diff.instanceNames(ConfigDiff.Kind.UPDATED)).containsExactly("family");
            assertThat(e.snapshot("family").pid()).as("updated in place, not restarted").isEqualTo(shell);
            Signals.kill(shell, Signals.SIGKILL);
            e.await("family", EXITED);
            Poll.until("both sleeps killed and reaped", RealEngine.LIMIT, () -> kids.stream().noneMatch(Proc::present));
        }
    }

    @Test
    void killmodeProcessSetInPlaceKeepsWhatTheNextExitLeaves() throws Exception {
        script("family.sh", "sleep 1000 & echo $! >> \"$1\"/kids\nsleep 1000 & echo $! >> \"$1\"/kids\nwait\n");
        String program = "family: {cmd: \"sh ${TMP}/family.sh ${TMP}\", starttime: 0, autorestart: never";
        try (RealEngine e = engine(program + "}")) {
            int shell = e.await("family", RUNNING).pid();
            List<Proc> kids = pids("kids", 2);
            e.engine.reload(RealEngine.config(tmp, yaml(program + ", killmode: process}"))).get(10, TimeUnit.SECONDS);
            Signals.kill(shell, Signals.SIGKILL);
            e.await("family", EXITED);
            Poll.until("the two leftovers to be counted", RealEngine.LIMIT, () -> leftovers(e, "family") == 2);
            assertThat(kids).allMatch(Proc::alive);
        }
    }

    @Test
    void aDescendantThatLeftTheSessionIsKnownByNameAndKilled() throws Exception {
        // A double fork with setsid, as daemons do: the sleep leads no group of the program's, and
        // its parent is gone, so it comes back to the subreaper carrying TASKMASTER_PROCESS_NAME.
        script("escape.sh", "setsid sh -c 'sleep 1000 & echo $! > \"$1\"/kids' sh \"$1\"\nexec sleep 1000\n");
        try (RealEngine e = engine("daemonish: {cmd: \"sh ${TMP}/escape.sh ${TMP}\", starttime: 0}")) {
            int main = e.await("daemonish", RUNNING).pid();
            Proc escapee = pids("kids", 1).getFirst();
            int self = (int) ProcessHandle.current().pid();
            Poll.until("the escapee adopted", RealEngine.LIMIT,
                    () -> escapee.stat().map(s -> s.ppid() == self).orElse(false));
            assertThat(escapee.stat().orElseThrow().session()).as("it left the program's session").isNotEqualTo(main);
            assertThat(escapee.alive()).as("left alone while its program runs").isTrue();
            e.engine.stop(List.of("daemonish")).get(10, TimeUnit.SECONDS);
            e.await("daemonish", STOPPED);
            Poll.until("the escapee killed and reaped", RealEngine.LIMIT, () -> !escapee.present());
        }
    }

    // ---- helpers ------------------------------------------------------------------------------

    private RealEngine engine(String program) throws Exception {
        return new RealEngine(tmp, yaml(program), true);
    }

    private String yaml(String program) {
        return ("programs:\n  " + program + "\n").replace("${TMP}", tmp.toString());
    }

    private void script(String name, String text) throws IOException {
        Files.writeString(tmp.resolve(name), text);
    }

    private List<String> lines(String file) {
        try {
            return Files.exists(tmp.resolve(file)) ? Files.readAllLines(tmp.resolve(file)) : List.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The first {@code count} pids written to {@code file}, once they are there; remembered for the clean-up. */
    private List<Proc> pids(String file, int count) {
        Poll.until(count + " pids in " + file, RealEngine.LIMIT, () -> lines(file).stream()
                .filter(l -> l.matches("\\d+")).count() >= count);
        List<Proc> out = new ArrayList<>();
        for (String l : lines(file)) {
            if (l.matches("\\d+")) {
                // A pid already gone (killed with its group) is recorded with no start time: never killed later.
                Proc p = Proc.of(Integer.parseInt(l)).orElse(new Proc(Integer.parseInt(l), -1));
                out.add(p);
                seen.add(p);
            }
        }
        return out;
    }

    private static int leftovers(RealEngine e, String name) {
        try {
            return e.snapshot(name).leftovers();
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static List<ExitOutcome> exits(RealEngine e) {
        return e.journal.since(0).stream()
                .filter(ev -> ev instanceof EngineEvent.StateChanged sc && sc.to() == EXITED)
                .map(ev -> ((EngineEvent.StateChanged) ev).exit().orElseThrow().outcome())
                .toList();
    }

    /** python3 is a test tool .ci/run installs: required in CI, else the test is skipped saying what to install. */
    private static void requirePython() {
        boolean present = Files.isExecutable(Path.of("/usr/bin/python3"));
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("/usr/bin/python3 is missing, and CI=true: .ci/run installs it (apt-get install -y python3)");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(present,
                "/usr/bin/python3 is missing: apt-get install -y python3 to run the port-holding worker test");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
