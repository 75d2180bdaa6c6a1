package dev.taskmaster.server.spawn;

import static dev.taskmaster.testkit.TestFiles.read;

import dev.taskmaster.testkit.Poll;

import static dev.taskmaster.server.engine.ProcessState.BACKOFF;
import static dev.taskmaster.server.engine.ProcessState.EXITED;
import static dev.taskmaster.server.engine.ProcessState.FATAL;
import static dev.taskmaster.server.engine.ProcessState.RUNNING;
import static dev.taskmaster.server.engine.ProcessState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.Signal;
import dev.taskmaster.server.engine.CommandResult;
import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.os.Posix;
import dev.taskmaster.server.os.Signals;
import dev.taskmaster.server.os.UserInfo;
import dev.taskmaster.server.os.Users;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine with real children: every program option honoured, every exit reported exactly. */
class RealProcessTest {

    @TempDir
    Path tmp;

    @Test
    void restartPoliciesWithRealExits() throws Exception {
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  always: {cmd: "sh -c 'exit 0'", starttime: 0, autorestart: always, backoff: {reset_after: 0}}
                  never: {cmd: "sh -c 'exit 3'", starttime: 0, autorestart: never}
                  expected: {cmd: "sh -c 'exit 2'", starttime: 0, exitcodes: [0, 2]}
                """)) {
            e.until("always to restart 3 times", all -> all.getFirst().restartCount() >= 3);
            ProcessSnapshot never = e.await("never", EXITED);
            assertThat(never.lastExit().orElseThrow().outcome()).isEqualTo(new ExitOutcome.Exited(3));
            assertThat(never.lastExit().orElseThrow().expected()).isFalse();
            ProcessSnapshot expected = e.await("expected", EXITED);
            assertThat(expected.lastExit().orElseThrow().describe()).isEqualTo("exited with code 2 (expected)");
            assertThat(expected.restartCount()).isZero();
            assertThat(e.snapshot("never").restartCount()).isZero();
        }
    }

    @Test
    void anUnexpectedCodeIsRestartedAnExpectedOneIsNot() throws Exception {
        // First run exits 1 (unexpected: restarted), the second exits 0 (expected: left EXITED).
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  flip: {cmd: "sh -c 'if [ -e ${TMP}/ran ]; then exit 0; fi; touch ${TMP}/ran; exit 1'", starttime: 0}
                """)) {
            // EXITED comes twice (after the 1, then after the 0): wait for the second.
            e.until("the restarted run to exit", all -> all.getFirst().state() == EXITED && all.getFirst().restartCount() == 1);
            ProcessSnapshot s = e.snapshot("flip");
            assertThat(s.lastExit().orElseThrow().outcome()).isEqualTo(new ExitOutcome.Exited(0));
        }
    }

    @Test
    void deathBySignalIsReportedAsTheSignal() throws Exception {
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  killed: {cmd: "sh -c 'kill -KILL $$$$'", starttime: 0, autorestart: never}
                  segv: {cmd: "sh -c 'kill -SEGV $$$$'", starttime: 0, autorestart: never}
                """)) {
            ProcessSnapshot k = e.await("killed", EXITED);
            assertThat(k.lastExit().orElseThrow().outcome()).isEqualTo(new ExitOutcome.Killed(Signal.KILL, false));
            assertThat(k.lastExit().orElseThrow().describe()).isEqualTo("killed by SIGKILL (unexpected)");
            ProcessSnapshot s = e.await("segv", EXITED);
            assertThat(s.lastExit().orElseThrow().outcome()).isInstanceOfSatisfying(ExitOutcome.Killed.class,
                    kill -> assertThat(kill.signal().name()).isEqualTo("SEGV"));
        }
    }

    @Test
    void aDeathThatDumpsCoreIsReportedAsSuch() throws Exception {
        // core_pattern is usually a plain name ("core"): the core lands in the process's directory.
        Path cores = Files.createDirectories(tmp.resolve("cores"));
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  crash: {cmd: "sh -c 'ulimit -c unlimited; cd %s; kill -SEGV $$$$'", starttime: 0, autorestart: never}
                """.formatted(cores))) {
            ProcessSnapshot s = e.await("crash", EXITED);
            ExitOutcome.Killed killed = (ExitOutcome.Killed) s.lastExit().orElseThrow().outcome();
            assertThat(killed.signal().name()).isEqualTo("SEGV");
            if (!killed.coreDumped()) {
                assertThat(Files.list(cores).toList()).as("a core was written, yet not reported").isEmpty();
                Assumptions.abort("no core dump is possible here (core_pattern " + Files.readString(
                        Path.of("/proc/sys/kernel/core_pattern")).strip() + "; hard RLIMIT_CORE may be 0)");
            }
            assertThat(s.lastExit().orElseThrow().describe()).isEqualTo("killed by SIGSEGV (core dumped) (unexpected)");
            EngineEvent.StateChanged exit = e.journal.since(0).stream()
                    .filter(ev -> ev instanceof EngineEvent.StateChanged c && c.to() == EXITED)
                    .map(ev -> (EngineEvent.StateChanged) ev).findFirst().orElseThrow();
            // The reason is the log line's text (EventLogger writes it as it is).
            assertThat(exit.reason()).isEqualTo("killed by SIGSEGV (core dumped) (unexpected)");
        } finally {
            try (var files = Files.list(cores)) {
                for (Path core : files.toList()) {
                    Files.delete(core); // a core of sh is large; do not leave it for @TempDir
                }
            }
        }
    }

    @Test
    void failedStartsGoThroughBackoffToFatal() throws Exception {
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  quick: {cmd: "sh -c 'exit 1'", starttime: 5, startretries: 2, backoff: {initial: 50ms, max: 50ms}}
                  missing: {cmd: /nonexistent/bin/server, startretries: 1, backoff: {initial: 50ms, max: 50ms}}
                  baddir: {cmd: /bin/true, workingdir: /nonexistent/dir, startretries: 0}
                  nouser: {cmd: /bin/true, user: no-such-user-xyz, startretries: 0}
                  notfound: {cmd: no-such-command-xyz, startretries: 0}
                """.replace("${TMP}", tmp.toString()))) {
            ProcessSnapshot quick = e.await("quick", FATAL);
            assertThat(quick.startFailures()).isEqualTo(3);
            assertThat(e.journal.since(0)).filteredOn(ev -> ev instanceof dev.taskmaster.server.engine.EngineEvent.StateChanged c
                    && c.process().equals("quick") && c.to() == BACKOFF).hasSize(3);
            assertThat(e.await("missing", FATAL).spawnError()).contains("/nonexistent/bin/server: no such file (ENOENT)");
            assertThat(e.await("baddir", FATAL).spawnError()).contains("working directory /nonexistent/dir does not exist");
            assertThat(e.await("nouser", FATAL).spawnError()).contains("unknown user \"no-such-user-xyz\"");
            assertThat(e.await("notfound", FATAL).spawnError().orElseThrow()).startsWith("no-such-command-xyz: command not found in PATH");
        }
    }

    @Test
    void manyProgramsStartedTogetherAreEachTheirOwnCleanSupervisedProcess() throws Exception {
        // Launched in batches on several threads at once: every child must still get exactly its
        // own argv and stdio, nothing of its siblings' plumbing, and its exit must reach it alone.
        StringBuilder yaml = new StringBuilder("programs:\n");
        for (int i = 0; i < 60; i++) {
            yaml.append("  p").append(i).append(": {cmd: \"/bin/sleep ").append(1000 + i).append("\", starttime: 0, autorestart: never}\n");
        }
        for (int round = 0; round < 3; round++) {
            try (RealEngine e = new RealEngine(tmp, yaml.toString())) {
                e.until("all 60 to run", all -> all.stream().allMatch(s -> s.state() == RUNNING));
                List<ProcessSnapshot> all = e.engine.snapshot().get(10, TimeUnit.SECONDS);
                assertThat(all.stream().map(ProcessSnapshot::pid).distinct()).hasSize(60);
                for (ProcessSnapshot s : all) {
                    int i = Integer.parseInt(s.name().substring(1));
                    assertThat(Files.readString(Path.of("/proc/" + s.pid() + "/cmdline"))).isEqualTo("/bin/sleep\0" + (1000 + i) + "\0");
                    // Right after the exec, /bin/sleep's dynamic loader may still hold its
                    // libraries open (fd 3) for a moment: wait for that to pass. A descriptor
                    // leaked by the spawn stays, and fails here.
                    Path fdDir = Path.of("/proc/" + s.pid() + "/fd");
                    Poll.until("only stdio open in " + s.name(), java.time.Duration.ofSeconds(5),
                            () -> descriptors(fdDir).equals(List.of("0", "1", "2")));
                    assertThat(descriptors(fdDir)).as("descriptors of %s", s.name()).containsExactly("0", "1", "2");
                }
                // One of them killed: only that one leaves RUNNING.
                int victim = all.get(17).pid();
                Signals.kill(victim, 9);
                ProcessSnapshot killed = e.await("p17", EXITED);
                assertThat(killed.lastExit().orElseThrow().pid()).isEqualTo(victim);
                assertThat(e.engine.snapshot().get(10, TimeUnit.SECONDS)).filteredOn(s -> s.state() == RUNNING).hasSize(59);
                List<Integer> pids = all.stream().map(ProcessSnapshot::pid).toList();
                e.engine.shutdown("round over").get(30, TimeUnit.SECONDS);
                pids.forEach(pid -> assertThat(Procs.alive(pid)).as("pid %d", pid).isFalse());
            }
        }
    }

    @Test
    void aFileThatIsNotExecutableIsRefusedPrecisely() throws Exception {
        Path data = Files.writeString(tmp.resolve("data.txt"), "hello");
        try (RealEngine e = new RealEngine(tmp, "programs:\n  notexec: {cmd: " + data + ", startretries: 0}\n")) {
            assertThat(e.await("notexec", FATAL).spawnError())
                    .contains(data + ": permission denied (EACCES): it is not executable");
        }
    }

    @Test
    void aProgramWithAUserRunsWithThatUsersRealAndEffectiveIds() throws Exception {
        Assumptions.assumeTrue(Posix.geteuid() == 0, "switching users needs a daemon running as root");
        UserInfo nobody = Users.lookup("nobody").orElseThrow();
        List<Integer> groups = Users.supplementaryGroups(nobody);
        try (RealEngine e = new RealEngine(tmp, "programs:\n  who: {cmd: sleep 1000, user: nobody, starttime: 0}\n")) {
            int pid = e.await("who", RUNNING).pid();
            // The pid is setpriv's until it execs the program: wait for the program itself.
            awaitTrue("setpriv to become sleep", () -> read(Path.of("/proc/" + pid + "/comm")).equals("sleep\n"));
            String status = read(Path.of("/proc/" + pid + "/status"));
            int u = nobody.uid();
            int g = nobody.gid();
            // Real, effective, saved and filesystem ids.
            assertThat(status).containsPattern("(?m)^Uid:\\t" + u + "\\t" + u + "\\t" + u + "\\t" + u + "$");
            assertThat(status).containsPattern("(?m)^Gid:\\t" + g + "\\t" + g + "\\t" + g + "\\t" + g + "$");
            String groupLine = status.lines().filter(l -> l.startsWith("Groups:")).findFirst().orElseThrow();
            assertThat(List.of(groupLine.substring("Groups:".length()).strip().split("\\s+")))
                    .containsExactlyInAnyOrderElementsOf(groups.stream().map(String::valueOf).toList());
        }
    }

    @Test
    void whatTheProgramsUserMayNotRunOrEnterIsRefusedForThatUser() throws Exception {
        Assumptions.assumeTrue(Posix.geteuid() == 0, "switching users needs a daemon running as root");
        // Root may run and enter these; nobody may not.
        Path open = Files.createDirectories(tmp.resolve("open"));
        Path script = Files.writeString(open.resolve("run.sh"), "#!/bin/sh\nexec sleep 1000\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Path closed = Files.createDirectories(tmp.resolve("closed"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));
        Path hidden = Files.writeString(closed.resolve("run.sh"), "#!/bin/sh\nexec sleep 1000\n");
        Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  mode: {cmd: %s, user: nobody, startretries: 0}
                  path: {cmd: %s, user: nobody, startretries: 0}
                  dir: {cmd: /bin/true, workingdir: %s, user: nobody, startretries: 0}
                  mine: {cmd: %s, startretries: 0, starttime: 0, stopsignal: KILL}
                """.formatted(script, hidden, closed, script))) {
            assertThat(e.await("mode", FATAL).spawnError()).contains(script
                    + ": permission denied for user \"nobody\" (EACCES): it is not executable for that user");
            assertThat(e.await("path", FATAL).spawnError()).contains(hidden
                    + ": permission denied for user \"nobody\" (EACCES): cannot enter " + closed);
            assertThat(e.await("dir", FATAL).spawnError()).contains("working directory " + closed
                    + ": permission denied for user \"nobody\" (EACCES): it cannot be entered by that user");
            assertThat(e.await("mine", RUNNING).spawnError()).as("the daemon's own user may run it").isEmpty();
        }
    }

    @Test
    void aProgramThatIgnoresSigtermIsKilledAfterStoptime() throws Exception {
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  stubborn: {cmd: "sh -c 'trap \\"\\" TERM; echo ready > ${TMP}/ready; exec sleep 1000'", starttime: 0, stoptime: 300ms}
                """.replace("${TMP}", tmp.toString()))) {
            e.await("stubborn", RUNNING);
            awaitFile(tmp.resolve("ready"));
            int pid = e.snapshot("stubborn").pid();
            long t0 = System.nanoTime();
            e.engine.stop(List.of("stubborn")).get(5, TimeUnit.SECONDS);
            ProcessSnapshot s = e.await("stubborn", STOPPED);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(300);
            assertThat(s.lastExit().orElseThrow().outcome()).isEqualTo(new ExitOutcome.Killed(Signal.KILL, false));
            assertThat(Procs.alive(pid)).isFalse();
        }
    }

    @Test
    void stopasgroupLeavesNoGrandchild() throws Exception {
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  family: {cmd: "sh -c 'sleep 1000 & sleep 1000 & echo $$$$ > ${TMP}/up; wait'", starttime: 0, stopasgroup: true}
                """.replace("${TMP}", tmp.toString()))) {
            e.await("family", RUNNING);
            awaitFile(tmp.resolve("up"));
            int leader = e.snapshot("family").pid();
            awaitTrue("the two sleeps", () -> Procs.inGroup(leader).size() == 3);
            e.engine.stop(List.of("family")).get(5, TimeUnit.SECONDS);
            e.await("family", STOPPED);
            awaitTrue("the whole group to be gone", () -> Procs.inGroup(leader).isEmpty());
        }
    }

    @Test
    void aGrandchildForkedAfterTheStopSignalDoesNotSurviveAGroupStop() throws Exception {
        // The program answers SIGTERM by forking a helper and exiting: the helper is born after
        // the group was signalled, so only the kill of the group at the leader's exit gets it.
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  racer: {cmd: "sh -c 'trap \\"sleep 1000 & exit 0\\" TERM; while :; do sleep 0.01; done'", starttime: 0, stopasgroup: true, autostart: false}
                """)) {
            for (int i = 0; i < 10; i++) {
                e.engine.start(List.of("racer")).get(5, TimeUnit.SECONDS);
                int leader = e.await("racer", RUNNING).pid();
                e.engine.stop(List.of("racer")).get(5, TimeUnit.SECONDS);
                e.await("racer", STOPPED);
                try {
                    awaitTrue("round " + i + ": group " + leader + " to be empty", () -> Procs.inGroup(leader).isEmpty());
                } finally {
                    killGroupQuietly(leader); // never leave the helper behind, even when the test fails
                }
            }
        }
    }

    private static void killGroupQuietly(int pgid) {
        try {
            Signals.killProcessGroup(pgid, Signals.SIGKILL);
        } catch (dev.taskmaster.server.os.NativeException gone) {
            // nothing left: the expected case
        }
    }

    @Test
    void withoutStopasgroupGrandchildrenOutliveTheLeader() throws Exception {
        // The control for the test above: it proves that test can fail. killasgroup: false is
        // supervisord's default (killmode process); Taskmaster's own default, mixed, kills the group.
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  family: {cmd: "sh -c 'trap \\"exit 0\\" TERM; sleep 1000 & echo $$$$ > ${TMP}/up; wait'", starttime: 0, killasgroup: false}
                """.replace("${TMP}", tmp.toString()))) {
            e.await("family", RUNNING);
            awaitFile(tmp.resolve("up"));
            int leader = e.snapshot("family").pid();
            awaitTrue("the sleep", () -> Procs.inGroup(leader).size() == 2);
            e.engine.stop(List.of("family")).get(5, TimeUnit.SECONDS);
            e.await("family", STOPPED);
            assertThat(Procs.inGroup(leader)).hasSize(1);
            Signals.killProcessGroup(leader, Signals.SIGKILL);
            awaitTrue("cleanup", () -> Procs.inGroup(leader).isEmpty());
        }
    }

    @Test
    void umaskEnvWorkingdirAndOutputAreHonoured() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("work"));
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  probe:
                    cmd: "sh -c 'umask; touch made; pwd; echo \\"FOO=$FOO NAME=$TASKMASTER_PROCESS_NAME\\"; echo oops >&2'"
                    umask: 027
                    workingdir: %s
                    env: {FOO: "bar baz"}
                    stdout: %s/out.log
                    stderr: %s/err.log
                    starttime: 0
                    autorestart: never
                """.formatted(work, tmp, tmp))) {
            e.await("probe", EXITED);
            awaitTrue("the output", () -> read(tmp.resolve("err.log")).equals("oops\n"));
            assertThat(read(tmp.resolve("out.log"))).isEqualTo("0027\n" + work + "\nFOO=bar baz NAME=probe\n");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(work.resolve("made")))).isEqualTo("rw-r-----");
        }
    }

    @Test
    void inheritedEnvironmentPlusOverrides() throws Exception {
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  env: {cmd: /usr/bin/env, env: {PATH: "/custom:/usr/bin:/bin", EXTRA: "1"}, stdout: %s/env.log, starttime: 0, autorestart: never}
                """.formatted(tmp))) {
            e.await("env", EXITED);
            awaitTrue("the output", () -> read(tmp.resolve("env.log")).contains("EXTRA=1"));
            List<String> lines = read(tmp.resolve("env.log")).lines().toList();
            assertThat(lines).contains("PATH=/custom:/usr/bin:/bin", "EXTRA=1", "TASKMASTER_GROUP_NAME=env");
            if (System.getenv("HOME") != null) {
                assertThat(lines).contains("HOME=" + System.getenv("HOME"));
            }
        }
    }

    @Test
    void redirectStderrAndDiscardAndDefaultLogs() throws Exception {
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  merged: {cmd: "sh -c 'echo out; echo err >&2'", redirect_stderr: true, starttime: 0, autorestart: never}
                  quiet: {cmd: "sh -c 'echo out; echo err >&2'", stdout: none, stderr: none, starttime: 0, autorestart: never}
                """)) {
            e.await("merged", EXITED);
            e.await("quiet", EXITED);
            Path merged = tmp.resolve("logs/merged.stdout.log");
            awaitTrue("the output", () -> read(merged).lines().count() == 2);
            assertThat(read(merged).lines().toList()).containsExactlyInAnyOrder("out", "err");
            assertThat(tmp.resolve("logs/merged.stderr.log")).doesNotExist();
            assertThat(tmp.resolve("logs/quiet.stdout.log")).doesNotExist();
        }
    }

    @Test
    void theLastLinesBeforeAnExitReachTheLog() throws Exception {
        try (RealEngine e = new RealEngine(tmp, """
                programs:
                  burst: {cmd: "seq 1 200000", starttime: 0, autorestart: never}
                """)) {
            e.await("burst", EXITED);
            Path log = tmp.resolve("logs/burst.stdout.log");
            awaitTrue("every line", () -> read(log).endsWith("\n200000\n"));
            List<String> lines = read(log).lines().toList();
            assertThat(lines).hasSize(200_000);
            for (int i = 0; i < lines.size(); i += 9973) {
                assertThat(lines.get(i)).isEqualTo(String.valueOf(i + 1));
            }
        }
    }

    @Test
    void reloadKeepsUnchangedPidsAndResizes() throws Exception {
        String v1 = "programs:\n  w: {cmd: sleep 1000, starttime: 0, numprocs: 3, stopsignal: KILL}\n"
                + "  gone: {cmd: sleep 1000, starttime: 0, stopsignal: KILL}\n";
        try (RealEngine e = new RealEngine(tmp, v1)) {
            for (String n : List.of("w:0", "w:1", "w:2", "gone")) {
                e.await(n, RUNNING);
            }
            List<Integer> pids = List.of(e.snapshot("w:0").pid(), e.snapshot("w:1").pid(), e.snapshot("w:2").pid());
            int gone = e.snapshot("gone").pid();
            e.engine.reload(RealEngine.config(tmp, "programs:\n  w: {cmd: sleep 1000, starttime: 0, numprocs: 5, stopsignal: KILL}\n"))
                    .get(10, TimeUnit.SECONDS);
            e.await("w:3", RUNNING);
            e.await("w:4", RUNNING);
            assertThat(List.of(e.snapshot("w:0").pid(), e.snapshot("w:1").pid(), e.snapshot("w:2").pid())).isEqualTo(pids);
            pids.forEach(pid -> assertThat(Procs.alive(pid)).isTrue());
            awaitTrue("the removed program's process to be gone", () -> !Procs.alive(gone));
            int w4 = e.snapshot("w:4").pid();
            e.engine.reload(RealEngine.config(tmp, "programs:\n  w: {cmd: sleep 1000, starttime: 0, numprocs: 3, stopsignal: KILL}\n"))
                    .get(10, TimeUnit.SECONDS);
            assertThat(e.engine.snapshot().get().stream().map(ProcessSnapshot::name)).containsExactly("w:0", "w:1", "w:2");
            assertThat(List.of(e.snapshot("w:0").pid(), e.snapshot("w:1").pid(), e.snapshot("w:2").pid())).isEqualTo(pids);
            awaitTrue("w:4 to be gone", () -> !Procs.alive(w4));
        }
    }

    @Test
    void twoHundredStartStopCyclesLeaveNoZombieAndNoFd() throws Exception {
        try (RealEngine e = new RealEngine(tmp, "programs:\n  c: {cmd: sleep 1000, starttime: 0, autostart: false}\n")) {
            long me = ProcessHandle.current().pid();
            // A first cycle, the same as the others, opens whatever the JVM opens once (jars of
            // classes loaded on first use), so that the count before is the steady one.
            cycle(e, me, -1);
            awaitTrue("the pump to close the first run's pipes", () -> e.pump.size() == 0 && e.watcher.size() == 0);
            Map<Integer, String> before = Procs.openFds();
            for (int i = 0; i < 200; i++) {
                cycle(e, me, i);
            }
            awaitTrue("the pump to close every pipe", () -> e.pump.size() == 0 && e.watcher.size() == 0);
            // Every descriptor of this process, not only pipes and pidfds: a leak of any kind
            // (an epoll, an eventfd, a log file, /dev/null) shows. Polled, so that one opened and
            // closed by another thread at that moment is not taken for a leak.
            java.util.concurrent.atomic.AtomicReference<Map<Integer, String>> after = new java.util.concurrent.atomic.AtomicReference<>();
            try {
                awaitTrue("as many descriptors as before", () -> {
                    after.set(Procs.openFds());
                    return after.get().size() == before.size();
                });
            } catch (AssertionError timedOut) {
                throw new AssertionError("open descriptors: " + before.size() + " before, " + after.get().size()
                        + " after 200 cycles; new or changed: " + Procs.added(before, after.get()) + "; gone or changed: "
                        + Procs.added(after.get(), before), timedOut);
            }
            assertThat(Procs.zombiesOf(me)).isEmpty();
        }
    }

    private static void cycle(RealEngine e, long me, int i) throws Exception {
        List<CommandResult> started = e.engine.start(List.of("c")).get(5, TimeUnit.SECONDS);
        assertThat(started).extracting(CommandResult::kind).containsExactly(CommandResult.Kind.DONE);
        e.await("c", RUNNING);
        e.engine.stop(List.of("c")).get(5, TimeUnit.SECONDS);
        e.await("c", STOPPED);
        assertThat(Procs.zombiesOf(me)).as("cycle " + i).isEmpty();
    }

    @Test
    void shutdownLeavesNoProcessBehind() throws Exception {
        RealEngine e = new RealEngine(tmp, """
                programs:
                  a: {cmd: sleep 1000, starttime: 0, numprocs: 3}
                  b: {cmd: "sh -c 'trap \\"sleep 0.2; exit 0\\" TERM; sleep 1000 & wait'", starttime: 0, stopasgroup: true}
                """);
        List<Integer> pids;
        try {
            for (String n : List.of("a:0", "a:1", "a:2", "b")) {
                e.await(n, RUNNING);
            }
            pids = e.engine.snapshot().get().stream().map(ProcessSnapshot::pid).toList();
        } finally {
            e.close();
        }
        for (int pid : pids) {
            awaitTrue("pid " + pid + " and its group to be gone (" + java.util.Arrays.toString(Procs.stat(pid)) + ", group "
                    + Procs.inGroup(pid) + ")", () -> !Procs.alive(pid) && Procs.inGroup(pid).isEmpty());
        }
        assertThat(Procs.zombiesOf(ProcessHandle.current().pid())).isEmpty();
    }


    private static void awaitFile(Path p) throws InterruptedException {
        awaitTrue(p.toString(), () -> Files.exists(p));
    }

    static void awaitTrue(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        Poll.until(what, RealEngine.LIMIT, condition);
    }

    /** The descriptor numbers open in a process, from {@code /proc/PID/fd}, sorted as text. */
    private static List<String> descriptors(Path fdDir) {
        try (var fds = Files.list(fdDir)) {
            return fds.map(f -> f.getFileName().toString()).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
