package dev.taskmaster.server.engine;

import static dev.taskmaster.server.engine.ProcessState.BACKOFF;
import static dev.taskmaster.server.engine.ProcessState.RUNNING;
import static dev.taskmaster.server.engine.ProcessState.STARTING;
import static dev.taskmaster.server.engine.ProcessState.STOPPED;
import static dev.taskmaster.server.engine.ProcessState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.ConfigDiff;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Priorities, shutdown and reload across many processes, on a manual clock. */
class EngineTest {

    @TempDir
    Path tmp;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(tmp);
    }

    @Test
    void startFollowsPriorityLowestFirst() {
        h.start("""
                programs:
                  late: {cmd: x, priority: 900}
                  early: {cmd: x, priority: 1}
                  middle: {cmd: x, priority: 50, numprocs: 2}
                  off: {cmd: x, autostart: false}
                """);
        assertThat(h.launcher.launches).extracting(l -> l.spec.name())
                .containsExactly("early", "middle:0", "middle:1", "late");
    }

    @Test
    void startingSeveralAnswersEachInPriorityOrderAndActsOnANameGivenTwiceOnce() {
        h.start("""
                programs:
                  late: {cmd: x, priority: 900, autostart: false}
                  early: {cmd: x, priority: 1, autostart: false}
                  up: {cmd: x, priority: 5}
                """);
        h.launcher.failNext(1, "early: no such file (ENOENT)");
        List<CommandResult> results = h.clock.await(h.engine.start(List.of("late", "ghost", "early", "up", "late")));
        assertThat(results).extracting(r -> r.process() + " " + r.kind() + " " + r.message()).containsExactly(
                "ghost REFUSED no such process",
                "early DONE could not start: early: no such file (ENOENT)",
                "up ALREADY already started",
                "late DONE starting");
        assertThat(h.launcher.launches).extracting(l -> l.spec.name()).containsExactly("up", "late");
        assertThat(h.stateOf("early")).isEqualTo(BACKOFF);
        assertThat(h.stateOf("late")).isEqualTo(STARTING);
    }

    @Test
    void shutdownStopsHighestPriorityFirstAndEachPriorityInParallel() {
        h.start("""
                programs:
                  db: {cmd: x, priority: 1, starttime: 0}
                  web: {cmd: x, priority: 10, starttime: 0, numprocs: 3}
                """);
        CompletableFuture<Void> done = h.engine.shutdown("test");
        h.clock.runReady();
        // All three web instances are told at once; db waits until they are down.
        for (int i = 0; i < 3; i++) {
            assertThat(h.stateOf("web:" + i)).isEqualTo(STOPPING);
        }
        assertThat(h.stateOf("db")).isEqualTo(RUNNING);
        h.clock.advance(Duration.ofSeconds(1));
        h.launcher.last("web:0").exit(new ExitOutcome.Exited(0));
        h.launcher.last("web:1").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(h.stateOf("db")).isEqualTo(RUNNING);
        h.launcher.last("web:2").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(h.stateOf("db")).isEqualTo(STOPPING);
        assertThat(done).isNotDone();
        h.launcher.last("db").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(done).isDone();
        assertThat(h.clock.await(h.engine.snapshot())).extracting(ProcessSnapshot::state).containsOnly(STOPPED);
        assertThat(h.clock.elapsed()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aStopOfManyGoesHighestPriorityFirstEachPriorityOnceTheOneBeforeIsDown() {
        h.start("""
                programs:
                  db: {cmd: x, priority: 1, starttime: 0}
                  app: {cmd: x, priority: 10, starttime: 0, numprocs: 2}
                  web: {cmd: x, priority: 20, starttime: 0}
                  off: {cmd: x, priority: 30, autostart: false}
                """);
        // Answered at once, with what each process will go through, lowest priority value first.
        List<CommandResult> results = h.clock.await(h.engine.stop(List.of("web", "off", "app:0", "app:1", "db", "nope")));
        assertThat(results).containsExactly(
                new CommandResult("nope", CommandResult.Kind.REFUSED, "no such process"),
                new CommandResult("db", CommandResult.Kind.DONE, "stopping once priority 10 is down"),
                new CommandResult("app:0", CommandResult.Kind.DONE, "stopping once priority 20 is down"),
                new CommandResult("app:1", CommandResult.Kind.DONE, "stopping once priority 20 is down"),
                new CommandResult("web", CommandResult.Kind.DONE, "stopping"),
                new CommandResult("off", CommandResult.Kind.ALREADY, "not running"));
        assertThat(h.stateOf("web")).isEqualTo(STOPPING);
        assertThat(h.launcher.last("web").signals).containsExactly("TERM@0");
        assertThat(h.launcher.last("app:0").signals).isEmpty();
        assertThat(h.launcher.last("db").signals).isEmpty();

        h.clock.advance(Duration.ofSeconds(1));
        assertThat(h.stateOf("app:0")).as("priority 10 waits for 20 to exit").isEqualTo(RUNNING);
        h.launcher.last("web").exit(new ExitOutcome.Killed(dev.taskmaster.config.Signal.TERM, false));
        h.clock.runReady();
        // Both instances of priority 10 together.
        assertThat(h.launcher.last("app:0").signals).containsExactly("TERM@1000");
        assertThat(h.launcher.last("app:1").signals).containsExactly("TERM@1000");
        assertThat(h.stateOf("db")).isEqualTo(RUNNING);

        h.clock.advance(Duration.ofMillis(500));
        h.launcher.last("app:0").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(h.stateOf("db")).as("priority 1 waits for every process of 10").isEqualTo(RUNNING);
        h.launcher.last("app:1").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(h.launcher.last("db").signals).containsExactly("TERM@1500");
        h.launcher.last("db").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(h.clock.await(h.engine.snapshot())).extracting(ProcessSnapshot::state).containsOnly(STOPPED);
        assertThat(h.launcher.launches).hasSize(4);
    }

    @Test
    void aStopStillWaitsForAProcessThatTakesUntilSigkill() {
        h.start("""
                programs:
                  first: {cmd: x, priority: 1, starttime: 0}
                  stubborn: {cmd: x, priority: 2, starttime: 0, stoptime: 3}
                """);
        h.clock.await(h.engine.stop(List.of("first", "stubborn")));
        h.clock.advance(Duration.ofSeconds(3));
        // killmode mixed, the default: the SIGKILL at stoptime goes to what remains of the whole group.
        assertThat(h.launcher.last("stubborn").signals).containsExactly("TERM@0", "group:KILL@3000");
        assertThat(h.launcher.last("first").signals).isEmpty();
        h.launcher.last("stubborn").exit(new ExitOutcome.Killed(dev.taskmaster.config.Signal.KILL, false));
        h.clock.runReady();
        assertThat(h.launcher.last("first").signals).containsExactly("TERM@3000");
    }

    @Test
    void aStartAskedForAfterAQueuedStopWins() {
        h.start("""
                programs:
                  first: {cmd: x, priority: 2, starttime: 0}
                  later: {cmd: x, priority: 1, starttime: 0, autorestart: never}
                """);
        h.clock.await(h.engine.stop(List.of("first", "later")));
        // While waiting for its turn, later exits on its own and is started again by hand.
        h.launcher.last("later").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(h.clock.await(h.engine.start(List.of("later")))).extracting(CommandResult::kind)
                .containsExactly(CommandResult.Kind.DONE);
        h.launcher.last("first").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(h.stateOf("later")).isEqualTo(RUNNING);
        assertThat(h.launcher.last("later").signals).isEmpty();
    }

    @Test
    void nothingRestartsOnceShutdownHasBegun() {
        h.start("programs:\n  a: {cmd: x, starttime: 0, autorestart: always}\n  b: {cmd: x, priority: 1}\n");
        h.launcher.last("b").exit(new ExitOutcome.Exited(1)); // b goes to BACKOFF
        h.clock.runReady();
        CompletableFuture<Void> done = h.engine.shutdown("test");
        h.clock.runReady();
        h.launcher.last("a").exit(new ExitOutcome.Exited(0));
        h.clock.advance(Duration.ofMinutes(1));
        assertThat(done).isDone();
        assertThat(h.launcher.of("a")).hasSize(1);
        assertThat(h.launcher.of("b")).hasSize(1);
        assertThat(h.clock.await(h.engine.start(List.of("a")))).extracting(CommandResult::kind)
                .containsExactly(CommandResult.Kind.REFUSED);
    }

    @Test
    void aReloadWhoseChangedProgramIsDownOnlyAfterShutdownBeganStartsNothing() {
        // web changes; its old process takes 30 s to stop. Shutdown begins meanwhile: when the old
        // process is down, the reload must not start the new one, which no one would stop.
        h.start("programs:\n  web: {cmd: x, starttime: 0, stoptime: 60}\n");
        CompletableFuture<ConfigDiff> reloaded = h.engine.reload(EngineHarness.config(tmp,
                "programs:\n  web: {cmd: y, starttime: 0, stoptime: 60}\n  added: {cmd: z, starttime: 0}\n"));
        h.clock.runReady();
        assertThat(h.stateOf("web")).isEqualTo(STOPPING);
        CompletableFuture<Void> done = h.engine.shutdown("test");
        h.clock.advance(Duration.ofSeconds(30));
        h.launcher.last("web").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        h.clock.advance(Duration.ofMinutes(1));
        assertThat(reloaded).isDone();
        assertThat(done).isDone();
        assertThat(h.launcher.launches).extracting(l -> l.spec.name()).containsExactly("web");
        assertThat(h.stateOf("web")).isEqualTo(STOPPED);
        assertThat(h.stateOf("added")).isEqualTo(STOPPED);
    }

    /** slow (priority 900, 60 s to stop) running, and flaky (priority 1) in BACKOFF with a 1 s retry due. */
    private void slowAndFlakyInBackoff() {
        h.start("""
                programs:
                  slow: {cmd: x, priority: 900, starttime: 0, stoptime: 60}
                  flaky: {cmd: x, priority: 1, starttime: 10, backoff: {initial: 1s, max: 1s}}
                """);
        h.launcher.last("flaky").exit(new ExitOutcome.Exited(1));
        h.clock.runReady();
    }

    @Test
    void aProgramInBackoffIsNotRetriedWhileAHigherPriorityIsStillStopping() {
        // slow (priority 900) is stopped first and takes 30 s; flaky (priority 1) waits its turn in
        // BACKOFF, and its 1 s retry timer falls due long before that turn comes.
        slowAndFlakyInBackoff();
        assertThat(h.stateOf("flaky")).isEqualTo(ProcessState.BACKOFF);
        CompletableFuture<Void> done = h.engine.shutdown("test");
        h.clock.runReady();
        assertThat(h.stateOf("slow")).isEqualTo(STOPPING);
        h.clock.advance(Duration.ofSeconds(30));
        assertThat(h.launcher.of("flaky")).as("no retry once shutdown has begun").hasSize(1);
        assertThat(h.stateOf("flaky")).isEqualTo(ProcessState.BACKOFF);
        assertThat(h.state("flaky").nextStart()).as("no retry announced either").isEmpty();
        h.launcher.last("slow").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(done).isDone();
        assertThat(h.stateOf("flaky")).isEqualTo(STOPPED);
        assertThat(h.transitions("flaky")).containsExactly("STOPPED>STARTING", "STARTING>BACKOFF", "BACKOFF>STOPPED");
        h.clock.advance(Duration.ofMinutes(5));
        assertThat(h.launcher.of("flaky")).hasSize(1);
    }

    @Test
    void aProgramInBackoffIsNotRetriedWhileAReloadStopsItsHigherPriorityNeighbour() {
        slowAndFlakyInBackoff();
        CompletableFuture<ConfigDiff> f = h.engine.reload(EngineHarness.config(tmp, "programs: {}\n"));
        h.clock.runReady();
        h.clock.advance(Duration.ofSeconds(30));
        assertThat(h.launcher.of("flaky")).as("a removed program is not retried").hasSize(1);
        h.launcher.last("slow").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(f).isDone();
        assertThat(h.transitions("flaky")).containsExactly("STOPPED>STARTING", "STARTING>BACKOFF", "BACKOFF>STOPPED");
    }

    @Test
    void shutdownWithNothingRunningCompletesAtOnce() {
        h.start("programs:\n  a: {cmd: x, autostart: false}\n");
        CompletableFuture<Void> done = h.engine.shutdown("test");
        h.clock.runReady();
        assertThat(done).isDone();
    }

    private ConfigDiff reload(String yaml) {
        CompletableFuture<ConfigDiff> f = h.engine.reload(EngineHarness.config(tmp, yaml));
        h.clock.runReady();
        return f.getNow(null);
    }

    @Test
    void reloadLeavesUnchangedProgramsAloneAndAppliesTheRest() {
        h.start("""
                programs:
                  same: {cmd: x, starttime: 0}
                  policy: {cmd: x, starttime: 0}
                  changed: {cmd: x, starttime: 0}
                  gone: {cmd: x, starttime: 0}
                """);
        int samePid = h.state("same").pid();
        int policyPid = h.state("policy").pid();
        int changedPid = h.state("changed").pid();
        FakeLauncher.Launch gone = h.launcher.last("gone");
        FakeLauncher.Launch oldChanged = h.launcher.last("changed");
        CompletableFuture<ConfigDiff> f = h.engine.reload(EngineHarness.config(tmp, """
                programs:
                  same: {cmd: x, starttime: 0}
                  policy: {cmd: x, starttime: 0, autorestart: never}
                  changed: {cmd: x --new, starttime: 0}
                  added: {cmd: y, starttime: 0}
                """));
        h.clock.runReady();
        assertThat(h.stateOf("changed")).isEqualTo(STOPPING);
        assertThat(f).as("completes once the stops are done").isNotDone();
        gone.exit(new ExitOutcome.Exited(0));
        oldChanged.exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        ConfigDiff diff = f.getNow(null);
        assertThat(diff.instanceNames(ConfigDiff.Kind.UNCHANGED)).containsExactly("same");
        assertThat(h.state("same").pid()).isEqualTo(samePid);
        assertThat(h.state("policy").pid()).isEqualTo(policyPid);
        assertThat(h.state("changed").pid()).isNotEqualTo(changedPid);
        assertThat(h.launcher.last("changed").spec.program().argv()).containsExactly("x", "--new");
        assertThat(h.stateOf("added")).isEqualTo(RUNNING);
        assertThat(h.clock.await(h.engine.snapshot())).extracting(ProcessSnapshot::name)
                .containsExactly("same", "policy", "changed", "added");
        // The updated policy applies in place: an exit is no longer restarted.
        h.launcher.last("policy").exit(new ExitOutcome.Exited(1));
        h.clock.runReady();
        assertThat(h.stateOf("policy")).isEqualTo(ProcessState.EXITED);
        assertThat(h.launcher.of("same")).hasSize(1);
        assertThat(h.journal.since(0)).filteredOn(e -> e instanceof EngineEvent.ConfigReloaded).hasSize(1);
    }

    @Test
    void numprocsThreeToFiveStartsTwoAndFiveToThreeStopsTwo() {
        h.start("programs:\n  w: {cmd: x, starttime: 0, numprocs: 3}\n");
        List<Integer> pids = List.of(h.state("w:0").pid(), h.state("w:1").pid(), h.state("w:2").pid());
        reload("programs:\n  w: {cmd: x, starttime: 0, numprocs: 5}\n");
        assertThat(List.of(h.state("w:0").pid(), h.state("w:1").pid(), h.state("w:2").pid())).isEqualTo(pids);
        assertThat(h.stateOf("w:3")).isEqualTo(RUNNING);
        assertThat(h.stateOf("w:4")).isEqualTo(RUNNING);
        assertThat(h.launcher.launches).hasSize(5);

        CompletableFuture<ConfigDiff> f = h.engine.reload(EngineHarness.config(tmp, "programs:\n  w: {cmd: x, starttime: 0, numprocs: 3}\n"));
        h.clock.runReady();
        assertThat(h.stateOf("w:3")).isEqualTo(STOPPING);
        assertThat(h.stateOf("w:4")).isEqualTo(STOPPING);
        h.launcher.last("w:3").exit(new ExitOutcome.Exited(0));
        h.launcher.last("w:4").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(f).isDone();
        assertThat(h.clock.await(h.engine.snapshot())).extracting(ProcessSnapshot::name).containsExactly("w:0", "w:1", "w:2");
        assertThat(List.of(h.state("w:0").pid(), h.state("w:1").pid(), h.state("w:2").pid())).isEqualTo(pids);
        assertThat(h.launcher.launches).hasSize(5);
    }

    @Test
    void aRemovedProgramThatExitsWhileStoppingIsNotRestarted() {
        h.start("programs:\n  a: {cmd: x, starttime: 0, autorestart: always}\n");
        FakeLauncher.Launch a = h.launcher.last("a");
        CompletableFuture<ConfigDiff> f = h.engine.reload(EngineHarness.config(tmp, "programs: {}\n"));
        h.clock.runReady();
        a.exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(f).isDone();
        assertThat(h.clock.await(h.engine.snapshot())).isEmpty();
        assertThat(h.launcher.launches).hasSize(1);
    }

    @Test
    void reloadsQueueBehindEachOther() {
        h.start("programs:\n  a: {cmd: x, starttime: 0}\n");
        FakeLauncher.Launch a = h.launcher.last("a");
        CompletableFuture<ConfigDiff> first = h.engine.reload(EngineHarness.config(tmp, "programs:\n  a: {cmd: y, starttime: 0}\n"));
        CompletableFuture<ConfigDiff> second = h.engine.reload(EngineHarness.config(tmp, "programs:\n  a: {cmd: y, starttime: 0}\n  b: {cmd: z, starttime: 0}\n"));
        h.clock.runReady();
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        a.exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(first.getNow(null).instanceNames(ConfigDiff.Kind.CHANGED)).containsExactly("a");
        assertThat(second.getNow(null).instanceNames(ConfigDiff.Kind.ADDED)).containsExactly("b");
        assertThat(second.getNow(null).instanceNames(ConfigDiff.Kind.UNCHANGED)).containsExactly("a");
        assertThat(h.launcher.of("a")).hasSize(2);
    }

    @Test
    void journalNumbersEventsWithoutGapsAndForgetsTheOldest() {
        EventJournal j = new EventJournal(3);
        for (int i = 0; i < 5; i++) {
            j.append(java.time.Instant.EPOCH, (seq, t) -> new EngineEvent.ShutdownStarted(seq, t, "x"));
        }
        assertThat(j.lastSequence()).isEqualTo(5);
        assertThat(j.oldestSequence()).isEqualTo(3);
        assertThat(j.since(0)).extracting(EngineEvent::sequence).containsExactly(3L, 4L, 5L);
        // From N, N included (WatchEvents' from_sequence): a watcher that saw 4 asks since(5).
        assertThat(j.since(4)).extracting(EngineEvent::sequence).containsExactly(4L, 5L);
        assertThat(j.since(5)).extracting(EngineEvent::sequence).containsExactly(5L);
        assertThat(j.since(6)).isEmpty();
        assertThat(j.since(1)).extracting(EngineEvent::sequence).containsExactly(3L, 4L, 5L);
        assertThat(j.since(-1)).as("2^64-1 on the wire: beyond the last event").isEmpty();
    }

    @Test
    void aFailingListenerDoesNotStopTheOthers() {
        EventJournal j = new EventJournal(10);
        List<Long> seen = new java.util.ArrayList<>();
        j.addListener(e -> {
            throw new IllegalStateException("boom");
        });
        j.addListener(e -> seen.add(e.sequence()));
        j.append(java.time.Instant.EPOCH, (seq, t) -> new EngineEvent.ShutdownStarted(seq, t, "x"));
        assertThat(seen).containsExactly(1L);
    }
}
