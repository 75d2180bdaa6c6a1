package dev.taskmaster.server.engine;

import static dev.taskmaster.server.engine.ProcessState.BACKOFF;
import static dev.taskmaster.server.engine.ProcessState.EXITED;
import static dev.taskmaster.server.engine.ProcessState.FATAL;
import static dev.taskmaster.server.engine.ProcessState.RUNNING;
import static dev.taskmaster.server.engine.ProcessState.STARTING;
import static dev.taskmaster.server.engine.ProcessState.STOPPED;
import static dev.taskmaster.server.engine.ProcessState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.Signal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state machine of one process on a manual clock: no sleeping, every timer exact. */
class SupervisorTest {

    @TempDir
    Path tmp;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(tmp);
    }

    private static ExitOutcome code(int c) {
        return new ExitOutcome.Exited(c);
    }

    private static ExitOutcome killedBy(String sig, boolean core) {
        return new ExitOutcome.Killed(Signal.parse(sig).orElseThrow(), core);
    }

    @Test
    void runningOnlyAfterStarttime() {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 5\n");
        assertThat(h.stateOf("a")).isEqualTo(STARTING);
        assertThat(h.state("a").pid()).isEqualTo(h.launcher.last("a").pid);
        h.clock.advance(Duration.ofMillis(4999));
        assertThat(h.stateOf("a")).isEqualTo(STARTING);
        h.clock.advance(Duration.ofMillis(1));
        assertThat(h.stateOf("a")).isEqualTo(RUNNING);
        assertThat(h.transitions("a")).containsExactly("STOPPED>STARTING", "STARTING>RUNNING");
    }

    @Test
    void starttimeZeroIsRunningAtOnce() {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 0\n");
        assertThat(h.stateOf("a")).isEqualTo(RUNNING);
    }

    @Test
    void autostartFalseStaysStopped() {
        h.start("programs:\n  a:\n    cmd: x\n    autostart: false\n");
        assertThat(h.stateOf("a")).isEqualTo(STOPPED);
        assertThat(h.launcher.launches).isEmpty();
    }

    @Test
    void failedStartsBackOffExponentiallyThenGiveUp() {
        h.start("""
                programs:
                  a:
                    cmd: x
                    starttime: 10
                    startretries: 3
                    backoff: {initial: 1s, factor: 2, max: 3s}
                """);
        // Attempt 1 at t=0 dies after 2 s; retries follow after 1 s, 2 s and 3 s (capped).
        List<Long> spawnTimes = new java.util.ArrayList<>();
        for (int attempt = 1; attempt <= 4; attempt++) {
            FakeLauncher.Launch l = h.launcher.last("a");
            spawnTimes.add(l.at.toMillis());
            h.clock.advance(Duration.ofSeconds(2));
            l.exit(code(1));
            h.clock.runReady();
            if (attempt < 4) {
                assertThat(h.stateOf("a")).isEqualTo(BACKOFF);
                assertThat(h.state("a").startFailures()).isEqualTo(attempt);
                h.clock.advance(Duration.ofSeconds(Math.min(1L << (attempt - 1), 3)));
            }
        }
        assertThat(spawnTimes).containsExactly(0L, 3000L, 7000L, 12000L);
        assertThat(h.stateOf("a")).isEqualTo(FATAL);
        assertThat(h.launcher.of("a")).hasSize(4);
        h.clock.advance(Duration.ofHours(1));
        assertThat(h.launcher.of("a")).as("FATAL is final until started by hand").hasSize(4);
        assertThat(h.transitions("a")).containsExactly("STOPPED>STARTING", "STARTING>BACKOFF", "BACKOFF>STARTING",
                "STARTING>BACKOFF", "BACKOFF>STARTING", "STARTING>BACKOFF", "BACKOFF>STARTING", "STARTING>BACKOFF",
                "BACKOFF>FATAL");
        assertThat(h.state("a").lastExit().orElseThrow().describe()).isEqualTo("exited with code 1 (unexpected)");
        // Started by hand, it gets a fresh set of retries.
        assertThat(h.clock.await(h.engine.start(List.of("a")))).extracting(CommandResult::kind)
                .containsExactly(CommandResult.Kind.DONE);
        assertThat(h.stateOf("a")).isEqualTo(STARTING);
        assertThat(h.state("a").startFailures()).isZero();
    }

    @Test
    void startretriesMinusOneRetriesForever() {
        h.start("programs:\n  a:\n    cmd: x\n    startretries: -1\n    backoff: {initial: 100ms, max: 100ms}\n");
        for (int i = 0; i < 200; i++) {
            h.launcher.last("a").exit(code(1));
            h.clock.runReady();
            assertThat(h.stateOf("a")).isEqualTo(BACKOFF);
            h.clock.advance(Duration.ofMillis(100));
            assertThat(h.stateOf("a")).isEqualTo(STARTING);
        }
        assertThat(h.launcher.of("a")).hasSize(201);
        assertThat(h.state("a").restartCount()).isEqualTo(200);
    }

    @Test
    void spawnFailuresAreRetriedWithTheReasonThenFatal() {
        h.launcher.failNext(3, "/nonexistent: no such file (ENOENT)");
        h.start("programs:\n  a:\n    cmd: /nonexistent\n    startretries: 2\n");
        assertThat(h.stateOf("a")).isEqualTo(BACKOFF);
        assertThat(h.state("a").spawnError()).contains("/nonexistent: no such file (ENOENT)");
        assertThat(h.state("a").lastExit().orElseThrow().outcome())
                .isEqualTo(new ExitOutcome.SpawnFailed("/nonexistent: no such file (ENOENT)"));
        h.clock.advance(Duration.ofSeconds(1));
        assertThat(h.stateOf("a")).isEqualTo(BACKOFF);
        h.clock.advance(Duration.ofSeconds(2));
        assertThat(h.stateOf("a")).isEqualTo(FATAL);
        EngineEvent.StateChanged last = (EngineEvent.StateChanged) h.journal.since(0).getLast();
        assertThat(last.reason()).isEqualTo("gave up after 3 failed starts");
        EngineEvent.StateChanged backoff = (EngineEvent.StateChanged) h.journal.since(0).get(h.journal.since(0).size() - 2);
        assertThat(backoff.reason()).isEqualTo("could not start: /nonexistent: no such file (ENOENT)");
    }

    @Test
    void autorestartAlwaysRestartsWhateverTheExit() {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 0\n    autorestart: always\n");
        for (ExitOutcome o : List.of(code(0), code(3), killedBy("KILL", false))) {
            h.clock.advance(Duration.ofMinutes(1)); // runs as long as backoff.reset_after: no crash loop
            h.launcher.last("a").exit(o);
            h.clock.runReady();
            assertThat(h.stateOf("a")).isEqualTo(RUNNING);
        }
        assertThat(h.state("a").restartCount()).isEqualTo(3);
        assertThat(h.transitions("a")).containsExactly("STOPPED>STARTING", "STARTING>RUNNING",
                "RUNNING>EXITED", "EXITED>STARTING", "STARTING>RUNNING",
                "RUNNING>EXITED", "EXITED>STARTING", "STARTING>RUNNING",
                "RUNNING>EXITED", "EXITED>STARTING", "STARTING>RUNNING");
    }

    @Test
    void autorestartNeverLeavesItExited() {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 0\n    autorestart: never\n");
        h.launcher.last("a").exit(code(3));
        h.clock.runReady();
        assertThat(h.stateOf("a")).isEqualTo(EXITED);
        assertThat(h.state("a").lastExit().orElseThrow().describe()).isEqualTo("exited with code 3 (unexpected)");
        assertThat(h.launcher.of("a")).hasSize(1);
    }

    @Test
    void autorestartUnexpectedComparesWithExitcodes() {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 0\n    exitcodes: [0, 2]\n");
        h.launcher.last("a").exit(code(1));
        h.clock.runReady();
        assertThat(h.stateOf("a")).as("1 is unexpected: restarted").isEqualTo(RUNNING);
        h.clock.advance(Duration.ofMinutes(1)); // runs as long as backoff.reset_after: no crash loop
        h.launcher.last("a").exit(killedBy("SEGV", true));
        h.clock.runReady();
        assertThat(h.stateOf("a")).as("a signal is always unexpected").isEqualTo(RUNNING);
        EngineEvent.StateChanged exited = h.journal.since(0).stream().filter(e -> e instanceof EngineEvent.StateChanged c
                && c.to() == EXITED).map(e -> (EngineEvent.StateChanged) e).toList().getLast();
        assertThat(exited.reason()).isEqualTo("killed by SIGSEGV (core dumped) (unexpected)");
        h.launcher.last("a").exit(code(2));
        h.clock.runReady();
        assertThat(h.stateOf("a")).as("2 is expected: left exited").isEqualTo(EXITED);
        assertThat(h.state("a").lastExit().orElseThrow().expected()).isTrue();
        assertThat(h.launcher.of("a")).hasSize(3);
    }

    @Test
    void stopSendsTheStopSignalAndEndsStoppedOnExit() {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 0\n    stopsignal: INT\n");
        FakeLauncher.Launch l = h.launcher.last("a");
        h.clock.await(h.engine.stop(List.of("a")));
        assertThat(h.stateOf("a")).isEqualTo(STOPPING);
        assertThat(l.signals).containsExactly("INT@0");
        h.clock.advance(Duration.ofMillis(300));
        l.exit(killedBy("INT", false));
        h.clock.runReady();
        assertThat(h.stateOf("a")).isEqualTo(STOPPED);
        assertThat(h.state("a").lastExit().orElseThrow().expected()).as("a requested stop is expected").isTrue();
        h.clock.advance(Duration.ofMinutes(5));
        assertThat(l.signals).as("no SIGKILL after a timely exit").containsExactly("INT@0");
        assertThat(h.launcher.of("a")).hasSize(1);
    }

    @Test
    void aProgramThatIgnoresTheStopSignalIsKilledAfterStoptime() {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 0\n    stoptime: 3\n    stopasgroup: true\n");
        FakeLauncher.Launch l = h.launcher.last("a");
        h.clock.advance(Duration.ofSeconds(1));
        h.clock.await(h.engine.stop(List.of("a")));
        h.clock.advance(Duration.ofMillis(2999));
        assertThat(l.signals).containsExactly("group:TERM@1000");
        h.clock.advance(Duration.ofMillis(1));
        assertThat(l.signals).containsExactly("group:TERM@1000", "group:KILL@4000");
        l.exit(killedBy("KILL", false));
        h.clock.runReady();
        assertThat(h.stateOf("a")).isEqualTo(STOPPED);
    }

    @Test
    void killasgroupAloneSignalsOnlyTheLeaderFirst() {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 0\n    stoptime: 1\n    killasgroup: true\n");
        FakeLauncher.Launch l = h.launcher.last("a");
        h.clock.await(h.engine.stop(List.of("a")));
        h.clock.advance(Duration.ofSeconds(1));
        assertThat(l.signals).containsExactly("TERM@0", "group:KILL@1000");
    }

    @Test
    void stoppingDuringBackoffCancelsTheRetry() {
        h.start("programs:\n  a:\n    cmd: x\n");
        h.launcher.last("a").exit(code(1));
        h.clock.runReady();
        assertThat(h.stateOf("a")).isEqualTo(BACKOFF);
        h.clock.await(h.engine.stop(List.of("a")));
        assertThat(h.stateOf("a")).isEqualTo(STOPPED);
        h.clock.advance(Duration.ofMinutes(1));
        assertThat(h.launcher.of("a")).hasSize(1);
    }

    @Test
    void stoppingWhileStartingStopsTheProcess() {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 5\n");
        FakeLauncher.Launch l = h.launcher.last("a");
        h.clock.await(h.engine.stop(List.of("a")));
        assertThat(h.stateOf("a")).isEqualTo(STOPPING);
        h.clock.advance(Duration.ofSeconds(6));
        assertThat(h.stateOf("a")).as("the starttime timer must not make it RUNNING").isEqualTo(STOPPING);
        l.exit(code(0));
        h.clock.runReady();
        assertThat(h.stateOf("a")).isEqualTo(STOPPED);
    }

    @Test
    void commandsOnTheWrongStateSaySo() {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 0\n    autostart: false\n");
        assertThat(h.clock.await(h.engine.stop(List.of("a")))).containsExactly(
                new CommandResult("a", CommandResult.Kind.ALREADY, "not running"));
        assertThat(h.clock.await(h.engine.signal(List.of("a"), Signal.TERM, false))).containsExactly(
                new CommandResult("a", CommandResult.Kind.REFUSED, "not running (STOPPED)"));
        h.clock.await(h.engine.start(List.of("a")));
        assertThat(h.clock.await(h.engine.start(List.of("a")))).containsExactly(
                new CommandResult("a", CommandResult.Kind.ALREADY, "already started"));
        h.clock.await(h.engine.stop(List.of("a")));
        assertThat(h.clock.await(h.engine.start(List.of("a")))).extracting(CommandResult::kind)
                .containsExactly(CommandResult.Kind.REFUSED);
        assertThat(h.clock.await(h.engine.start(List.of("nope")))).containsExactly(
                new CommandResult("nope", CommandResult.Kind.REFUSED, "no such process"));
    }

    @Test
    void anyTransitionOutsideTheTableIsABug() {
        assertThat(STOPPED.canBecome(RUNNING)).isFalse();
        assertThat(STOPPING.canBecome(RUNNING)).isFalse();
        assertThat(FATAL.canBecome(BACKOFF)).isFalse();
        assertThat(STARTING.canBecome(RUNNING)).isTrue();
        for (ProcessState s : ProcessState.values()) {
            assertThat(s.canBecome(s)).as(s + " to itself").isFalse();
        }
    }

    @Test
    void exitEventsCarryTheExitRecord() {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 0\n    autorestart: never\n");
        FakeLauncher.Launch l = h.launcher.last("a");
        h.clock.advance(Duration.ofMillis(1500));
        l.exit(code(4));
        h.clock.runReady();
        EngineEvent.StateChanged e = (EngineEvent.StateChanged) h.journal.since(0).getLast();
        assertThat(e.to()).isEqualTo(EXITED);
        assertThat(e.pid()).isZero();
        ExitRecord r = e.exit().orElseThrow();
        assertThat(r.pid()).isEqualTo(l.pid);
        assertThat(r.runTime()).isEqualTo(Duration.ofMillis(1500));
        assertThat(r.outcome()).isEqualTo(code(4));
    }
}
