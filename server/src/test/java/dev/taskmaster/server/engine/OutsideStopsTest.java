package dev.taskmaster.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.server.engine.health.HealthStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PAUSED stays true to the kernel: stops and continues made by someone else change the state,
 * the kernel's reports of the daemon's own pause and resume do not change it a second time, and
 * a report overtaken by a later signal changes nothing.
 */
class OutsideStopsTest {

    private static final int SIGSTOP = 19;
    private static final int SIGTSTP = 20;

    @TempDir
    Path tmp;

    private EngineHarness running() {
        EngineHarness h = new EngineHarness(tmp).start("programs:\n  w: {cmd: x, starttime: 0}\n");
        assertThat(h.stateOf("w")).isEqualTo(ProcessState.RUNNING);
        return h;
    }

    private static List<String> reasons(EngineHarness h) {
        return h.journal.since(0).stream().filter(e -> e instanceof EngineEvent.StateChanged c && c.process().equals("w"))
                .map(e -> (EngineEvent.StateChanged) e).map(c -> c.from() + ">" + c.to() + ": " + c.reason()).toList();
    }

    @Test
    void aStopFromOutsidePausesAndAContinueFromOutsideResumes() {
        EngineHarness h = running();
        FakeLauncher.Launch w = h.launcher.last("w");
        w.kernelStops(SIGSTOP);
        h.clock.runReady();
        assertThat(h.stateOf("w")).isEqualTo(ProcessState.PAUSED);
        w.kernelContinues();
        h.clock.runReady();
        assertThat(h.stateOf("w")).isEqualTo(ProcessState.RUNNING);
        assertThat(reasons(h)).endsWith("RUNNING>PAUSED: stopped by SIGSTOP from outside",
                "PAUSED>RUNNING: continued by SIGCONT from outside");
        // The daemon sent no signal of its own for either.
        assertThat(w.signals).isEmpty();
    }

    @Test
    void aStopWhileStartingIsPausedOnceStarted() {
        EngineHarness h = new EngineHarness(tmp).start("programs:\n  w: {cmd: x, starttime: 2s}\n");
        FakeLauncher.Launch w = h.launcher.last("w");
        w.kernelStops(SIGSTOP);
        h.clock.runReady();
        assertThat(h.stateOf("w")).isEqualTo(ProcessState.STARTING);
        h.clock.advance(Duration.ofSeconds(2));
        assertThat(reasons(h)).endsWith("STARTING>RUNNING: stayed up for 2 s", "RUNNING>PAUSED: stopped from outside while starting");
        w.kernelContinues();
        h.clock.runReady();
        assertThat(h.stateOf("w")).isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void theSignalThatStoppedItIsNamed() {
        EngineHarness h = running();
        h.launcher.last("w").kernelStops(SIGTSTP);
        h.clock.runReady();
        assertThat(reasons(h)).last().isEqualTo("RUNNING>PAUSED: stopped by SIGTSTP from outside");
    }

    @Test
    void aContinueFromOutsideAfterAPauseResumes() {
        EngineHarness h = running();
        h.clock.await(h.engine.pause(List.of("w")));
        FakeLauncher.Launch w = h.launcher.last("w");
        w.kernelStops(SIGSTOP); // the kernel's report of the pause's own SIGSTOP
        h.clock.runReady();
        assertThat(h.transitions("w")).containsOnlyOnce("RUNNING>PAUSED");
        w.kernelContinues(); // kill -CONT from a shell
        h.clock.runReady();
        assertThat(h.stateOf("w")).isEqualTo(ProcessState.RUNNING);
        assertThat(reasons(h)).last().isEqualTo("PAUSED>RUNNING: continued by SIGCONT from outside");
    }

    @Test
    void theReportsOfTheDaemonsOwnPauseAndResumeMakeNoSecondTransition() {
        EngineHarness h = running();
        FakeLauncher.Launch w = h.launcher.last("w");
        for (int i = 0; i < 3; i++) {
            h.clock.await(h.engine.pause(List.of("w")));
            w.kernelStops(SIGSTOP);
            h.clock.runReady();
            h.clock.await(h.engine.resume(List.of("w")));
            w.kernelContinues();
            h.clock.runReady();
        }
        assertThat(h.transitions("w")).containsExactly("STOPPED>STARTING", "STARTING>RUNNING", "RUNNING>PAUSED",
                "PAUSED>RUNNING", "RUNNING>PAUSED", "PAUSED>RUNNING", "RUNNING>PAUSED", "PAUSED>RUNNING");
    }

    @Test
    void aStopReportOvertakenByAContinueChangesNothing() {
        EngineHarness h = running();
        FakeLauncher.Launch w = h.launcher.last("w");
        // Stopped and continued again before the engine handled the stop: /proc says it runs.
        w.kernelStops(SIGSTOP);
        w.kernelStopped = false;
        h.clock.runReady();
        assertThat(h.stateOf("w")).isEqualTo(ProcessState.RUNNING);
        w.kernelContinues();
        h.clock.runReady();
        assertThat(h.transitions("w")).containsExactly("STOPPED>STARTING", "STARTING>RUNNING");
    }

    @Test
    void aLateContinueReportDoesNotUndoAPauseWhoseStopHasNotLandedYet() {
        EngineHarness h = running();
        FakeLauncher.Launch w = h.launcher.last("w");
        h.clock.await(h.engine.pause(List.of("w")));
        h.clock.await(h.engine.resume(List.of("w")));
        h.clock.await(h.engine.pause(List.of("w")));
        // The continue of the resume is reported only now, and the second SIGSTOP has not landed.
        w.stops.accept(dev.taskmaster.server.engine.outside.OutsideChange.continued());
        h.clock.runReady();
        assertThat(h.stateOf("w")).isEqualTo(ProcessState.PAUSED);
        w.kernelStops(SIGSTOP);
        h.clock.runReady();
        assertThat(h.stateOf("w")).isEqualTo(ProcessState.PAUSED);
        // Once that stop has landed, a continue is someone else's.
        w.kernelContinues();
        h.clock.runReady();
        assertThat(h.stateOf("w")).isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void aReportAboutAnEarlierRunIsIgnored() {
        EngineHarness h = new EngineHarness(tmp).start("programs:\n  w: {cmd: x, starttime: 0, autorestart: always}\n");
        FakeLauncher.Launch first = h.launcher.last("w");
        first.exit(new ExitOutcome.Exited(1));
        h.clock.advance(Duration.ofMinutes(1));
        assertThat(h.stateOf("w")).isEqualTo(ProcessState.RUNNING);
        assertThat(h.launcher.last("w")).isNotSameAs(first);
        first.kernelStops(SIGSTOP);
        h.clock.runReady();
        assertThat(h.stateOf("w")).isEqualTo(ProcessState.RUNNING);
    }

    @Test
    void healthIsNotProbedWhileStoppedFromOutside() {
        EngineHarness h = new EngineHarness(tmp).start("programs:\n  w: {cmd: x, starttime: 0, health_check:"
                + " {tcp: \"127.0.0.1:1\", interval: 1s, retries: 1}}\n");
        FakeLauncher.Launch w = h.launcher.last("w");
        w.kernelStops(SIGSTOP);
        h.clock.runReady();
        int probes = h.prober.probes.size();
        h.clock.advance(Duration.ofSeconds(10));
        assertThat(h.prober.probes).hasSize(probes);
        assertThat(h.healthChanges("w")).doesNotContain("HEALTHY>" + HealthStatus.UNHEALTHY);
    }
}
