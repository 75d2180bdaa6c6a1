package dev.taskmaster.server.engine;

import static dev.taskmaster.server.engine.ProcessState.BACKOFF;
import static dev.taskmaster.server.engine.ProcessState.EXITED;
import static dev.taskmaster.server.engine.ProcessState.FATAL;
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

/**
 * Launches are made off the engine thread and their results applied later: what the engine does
 * with a process whose launch is in flight when it is stopped, started again, removed by a
 * reload or caught by a shutdown. The fake launcher holds launches until the test releases them,
 * so each interleaving is exact.
 */
class InFlightLaunchTest {

    @TempDir
    Path tmp;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(tmp);
        h.launcher.hold = true;
    }

    private void startEngine(String yaml) {
        h.engine = new Engine(EngineHarness.config(tmp, yaml), h.launcher, h.clock, h.clock, h.journal, h.prober);
    }

    @Test
    void theEngineAnswersWhileLaunchesAreInFlightAndAStartCompletesOnceTheyAreMade() {
        startEngine("programs:\n  w: {cmd: x, numprocs: 3, starttime: 0}\n");
        CompletableFuture<Void> started = h.engine.startAutostart();
        h.clock.runReady();
        assertThat(h.launcher.inFlight()).isEqualTo(3);
        assertThat(started).isNotDone();
        // The engine is free: a snapshot is answered while the three launches are still being made.
        assertThat(h.clock.await(h.engine.snapshot())).extracting(ProcessSnapshot::state).containsOnly(STOPPED);
        h.launcher.release();
        h.clock.await(started);
        assertThat(h.clock.await(h.engine.snapshot())).extracting(ProcessSnapshot::state).containsOnly(RUNNING);
    }

    @Test
    void aStopWhileTheLaunchIsInFlightStopsTheProcessAsSoonAsItExists() {
        startEngine("programs:\n  w: {cmd: x, starttime: 1, stoptime: 5}\n");
        h.engine.startAutostart();
        h.clock.runReady();
        List<CommandResult> stop = h.clock.await(h.engine.stop(List.of("w")));
        assertThat(stop).extracting(r -> r.kind() + " " + r.message()).containsExactly("DONE stopping");
        CompletableFuture<ProcessSnapshot> down = h.engine.awaitState("w", ProcessState::isDown);
        h.clock.runReady();
        assertThat(down).as("not down while its launch is in flight, though it is still STOPPED").isNotDone();
        // A second stop and a start meanwhile: one stop, and the start is refused as for a STOPPING process.
        assertThat(h.clock.await(h.engine.stop(List.of("w")))).extracting(r -> r.kind() + " " + r.message())
                .containsExactly("ALREADY already stopping");
        assertThat(h.clock.await(h.engine.start(List.of("w")))).extracting(r -> r.kind().toString()).containsExactly("REFUSED");
        h.launcher.release();
        h.clock.runReady();
        FakeLauncher.Launch w = h.launcher.last("w");
        assertThat(h.launcher.of("w")).hasSize(1);
        assertThat(h.stateOf("w")).isEqualTo(STOPPING);
        assertThat(w.signals).containsExactly("TERM@0");
        w.exit(new ExitOutcome.Killed(dev.taskmaster.config.Signal.TERM, false));
        assertThat(h.clock.await(down).state()).isEqualTo(STOPPED);
        assertThat(h.transitions("w")).containsExactly("STOPPED>STARTING", "STARTING>STOPPING", "STOPPING>STOPPED");
    }

    @Test
    void aStartWhileTheLaunchIsInFlightLaunchesNothingMore() {
        startEngine("programs:\n  w: {cmd: x, starttime: 0}\n");
        h.engine.startAutostart();
        h.clock.runReady();
        assertThat(h.clock.await(h.engine.start(List.of("w")))).extracting(r -> r.kind() + " " + r.message())
                .containsExactly("ALREADY already starting");
        h.launcher.release();
        h.clock.runReady();
        assertThat(h.launcher.of("w")).hasSize(1);
        assertThat(h.stateOf("w")).isEqualTo(RUNNING);
    }

    @Test
    void aStopWhileAFailingLaunchIsInFlightEndsStoppedWithNoRetry() {
        startEngine("programs:\n  w: {cmd: x, starttime: 1, startretries: 3}\n");
        h.launcher.failNext(1, "w: no such file (ENOENT)");
        h.engine.startAutostart();
        h.clock.runReady();
        h.clock.await(h.engine.stop(List.of("w")));
        CompletableFuture<ProcessSnapshot> down = h.engine.awaitState("w", ProcessState::isDown);
        h.launcher.release();
        assertThat(h.clock.await(down).state()).isEqualTo(STOPPED);
        h.clock.advance(Duration.ofSeconds(60));
        assertThat(h.launcher.inFlight()).as("no retry after the stop").isZero();
        assertThat(h.launcher.launches).isEmpty();
        assertThat(h.transitions("w")).containsExactly("STOPPED>STARTING", "STARTING>BACKOFF", "BACKOFF>STOPPED");
    }

    @Test
    void aRespawnInFlightWhenTheProcessIsStoppedIsStoppedOnceMade() {
        startEngine("programs:\n  w: {cmd: x, starttime: 0, autorestart: always}\n");
        h.engine.startAutostart();
        h.clock.runReady();
        h.launcher.release();
        h.clock.runReady();
        h.launcher.last("w").exit(new ExitOutcome.Exited(1));
        h.clock.runReady();
        // The respawn is in flight: EXITED until its result is applied.
        assertThat(h.launcher.inFlight()).isEqualTo(1);
        assertThat(h.stateOf("w")).isEqualTo(EXITED);
        assertThat(h.clock.await(h.engine.stop(List.of("w")))).extracting(r -> r.message()).containsExactly("stopping");
        h.launcher.release();
        h.clock.runReady();
        assertThat(h.stateOf("w")).isEqualTo(STOPPING);
        h.launcher.last("w").exit(new ExitOutcome.Killed(dev.taskmaster.config.Signal.TERM, false));
        h.clock.runReady();
        assertThat(h.stateOf("w")).isEqualTo(STOPPED);
        assertThat(h.launcher.of("w")).hasSize(2);
    }

    @Test
    void shutdownWaitsForLaunchesInFlightAndStopsWhatTheyStarted() {
        startEngine("""
                programs:
                  a: {cmd: x, starttime: 0, numprocs: 4, priority: 1}
                  b: {cmd: x, starttime: 0, priority: 2}
                """);
        h.engine.startAutostart();
        h.clock.runReady();
        assertThat(h.launcher.inFlight()).as("the first priority only").isEqualTo(4);
        CompletableFuture<Void> done = h.engine.shutdown("test");
        h.clock.runReady();
        assertThat(done).as("down only once what the launches make is down").isNotDone();
        h.launcher.release();
        h.clock.runReady();
        assertThat(h.launcher.inFlight()).as("the later priority is not launched during a shutdown").isZero();
        assertThat(h.launcher.of("b")).isEmpty();
        for (FakeLauncher.Launch l : h.launcher.launches) {
            assertThat(l.signals).as(l.spec.name()).containsExactly("TERM@0");
            l.exit(new ExitOutcome.Killed(dev.taskmaster.config.Signal.TERM, false));
        }
        h.clock.await(done);
        assertThat(h.clock.await(h.engine.snapshot())).extracting(ProcessSnapshot::state).containsOnly(STOPPED);
    }

    @Test
    void aReloadRemovingAProgramWhoseLaunchIsInFlightStopsWhatItStartsBeforeDroppingIt() {
        startEngine("programs:\n  gone: {cmd: x, starttime: 0}\n  kept: {cmd: x, starttime: 0}\n");
        h.engine.startAutostart();
        h.clock.runReady();
        CompletableFuture<ConfigDiff> reloaded = h.engine.reload(EngineHarness.config(tmp, "programs:\n  kept: {cmd: x, starttime: 0}\n"));
        h.clock.runReady();
        assertThat(reloaded).isNotDone();
        h.launcher.release();
        h.clock.runReady();
        FakeLauncher.Launch gone = h.launcher.last("gone");
        assertThat(gone.signals).containsExactly("TERM@0");
        assertThat(reloaded).as("not applied while the removed process runs").isNotDone();
        gone.exit(new ExitOutcome.Killed(dev.taskmaster.config.Signal.TERM, false));
        h.clock.await(reloaded);
        assertThat(h.clock.await(h.engine.snapshot())).extracting(ProcessSnapshot::name).containsExactly("kept");
        assertThat(h.stateOf("kept")).isEqualTo(RUNNING);
        assertThat(h.launcher.last("kept").signals).isEmpty();
    }

    @Test
    void aLaterPriorityStoppedBeforeItsTurnIsNotLaunched() {
        startEngine("programs:\n  first: {cmd: x, starttime: 0, priority: 1}\n  second: {cmd: x, starttime: 0, priority: 2}\n");
        h.engine.startAutostart();
        h.clock.runReady();
        assertThat(h.launcher.inFlight()).isEqualTo(1);
        h.clock.await(h.engine.stop(List.of("second")));
        h.launcher.release();
        h.clock.runReady();
        assertThat(h.launcher.inFlight()).isZero();
        assertThat(h.launcher.of("second")).isEmpty();
        assertThat(h.stateOf("second")).isEqualTo(STOPPED);
        assertThat(h.stateOf("first")).isEqualTo(RUNNING);
    }

    @Test
    void aLaterPriorityRemovedByAReloadBeforeItsTurnIsNotLaunched() {
        startEngine("programs:\n  first: {cmd: x, starttime: 0, priority: 1}\n  second: {cmd: x, starttime: 0, priority: 2}\n");
        h.engine.startAutostart();
        h.clock.runReady();
        CompletableFuture<ConfigDiff> reloaded = h.engine.reload(EngineHarness.config(tmp, "programs:\n  first: {cmd: x, starttime: 0, priority: 1}\n"));
        h.clock.runReady();
        h.clock.await(reloaded);
        h.launcher.release();
        h.clock.runReady();
        assertThat(h.launcher.inFlight()).isZero();
        assertThat(h.launcher.of("second")).as("removed before its turn: never launched").isEmpty();
    }

    @Test
    void aProgramUpdatedWhileItsLaunchIsInFlightStartsWithTheOldSettingsAndKeepsTheNew() {
        startEngine("programs:\n  w: {cmd: x, starttime: 0, stoptime: 5}\n");
        h.engine.startAutostart();
        h.clock.runReady();
        h.clock.await(h.engine.reload(EngineHarness.config(tmp, "programs:\n  w: {cmd: x, starttime: 0, stoptime: 7}\n")));
        h.launcher.release();
        h.clock.runReady();
        assertThat(h.stateOf("w")).isEqualTo(RUNNING);
        assertThat(h.state("w").spec().program().stoptime()).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void aFailedLaunchInFlightGoesThroughBackoffToFatalAsBefore() {
        startEngine("programs:\n  w: {cmd: x, starttime: 1, startretries: 1}\n");
        h.launcher.hold = false;
        h.launcher.failNext(2, "w: no such file (ENOENT)");
        h.clock.await(h.engine.startAutostart());
        assertThat(h.stateOf("w")).isEqualTo(BACKOFF);
        h.clock.advance(Duration.ofSeconds(10));
        assertThat(h.stateOf("w")).isEqualTo(FATAL);
        assertThat(h.transitions("w")).containsExactly("STOPPED>STARTING", "STARTING>BACKOFF", "BACKOFF>STARTING",
                "STARTING>BACKOFF", "BACKOFF>FATAL");
        assertThat(h.clock.await(h.engine.snapshot())).extracting(ProcessSnapshot::state).doesNotContain(STARTING, STOPPING);
    }

    @Test
    void anExitReportedBeforeTheLaunchsResultIsHandledOnceTheResultIsApplied() {
        startEngine("programs:\n  w: {cmd: x, starttime: 0, autorestart: always, backoff: {reset_after: 0s}}\n");
        h.engine.startAutostart();
        h.clock.runReady();
        for (int i = 0; i < 5; i++) {
            h.launcher.releaseEndingFirst(new ExitOutcome.Exited(0));
            h.clock.runReady();
            // Its exit came first; it was not lost: the process was restarted, and this launch is in flight.
            assertThat(h.launcher.inFlight()).as("respawn %d", i).isEqualTo(1);
            assertThat(h.stateOf("w")).isEqualTo(EXITED);
        }
        // Counted once applied: the fifth restart is still in flight.
        assertThat(h.state("w").restartCount()).isEqualTo(4);
        assertThat(h.transitions("w")).startsWith("STOPPED>STARTING", "STARTING>RUNNING", "RUNNING>EXITED", "EXITED>STARTING");
    }

    @Test
    void anExitBeforeTheResultOfALaunchStoppedMeanwhileEndsStopped() {
        startEngine("programs:\n  w: {cmd: x, starttime: 0, autorestart: always}\n");
        h.engine.startAutostart();
        h.clock.runReady();
        h.clock.await(h.engine.stop(List.of("w")));
        CompletableFuture<ProcessSnapshot> down = h.engine.awaitState("w", ProcessState::isDown);
        h.launcher.releaseEndingFirst(new ExitOutcome.Exited(0));
        assertThat(h.clock.await(down).state()).isEqualTo(STOPPED);
        h.clock.advance(Duration.ofSeconds(60));
        assertThat(h.launcher.inFlight()).isZero();
        assertThat(h.launcher.launches).hasSize(1);
    }
}
