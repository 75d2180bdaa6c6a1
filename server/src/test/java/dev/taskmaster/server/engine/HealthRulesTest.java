package dev.taskmaster.server.engine;

import static dev.taskmaster.server.engine.ProcessState.RUNNING;
import static dev.taskmaster.server.engine.ProcessState.STARTING;
import static dev.taskmaster.server.engine.ProcessState.STOPPED;
import static dev.taskmaster.server.engine.ProcessState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.server.engine.health.HealthStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Health checks in the engine on the manual clock: when probes are asked for, how their results
 * (or their silence) move the health status, and what {@code on_unhealthy} does to the process.
 */
class HealthRulesTest {

    @TempDir
    Path tmp;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(tmp);
    }

    private void start(String check) {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 0\n    health_check: " + check + "\n");
    }

    private HealthStatus health() {
        return h.state("a").health().orElseThrow().status();
    }

    private void advance(long seconds) {
        h.clock.advance(Duration.ofSeconds(seconds));
    }

    @Test
    void aProgramWithoutACheckHasNoHealthAndIsNeverProbed() {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 0\n");
        advance(3600);
        assertThat(h.state("a").health()).isEmpty();
        assertThat(h.prober.probes).isEmpty();
    }

    @Test
    void probesEveryIntervalFromTheEndOfTheLastAndASuccessIsHealthy() {
        start("{tcp: \"127.0.0.1:9\", interval: 5s, timeout: 2s}");
        assertThat(health()).isEqualTo(HealthStatus.STARTING);
        advance(4);
        assertThat(h.prober.probes).as("the first probe comes one interval after the start").isEmpty();
        advance(1);
        assertThat(h.prober.probes).hasSize(1);
        FakeProber.Probe first = h.prober.last();
        assertThat(first.timeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(first.target().pid()).isEqualTo(h.launcher.last("a").pid);
        advance(1);
        h.prober.answer(true, "connected to 127.0.0.1:9");
        assertThat(health()).isEqualTo(HealthStatus.HEALTHY);
        assertThat(h.state("a").health().orElseThrow().lastOutput()).isEqualTo("connected to 127.0.0.1:9");
        advance(4);
        assertThat(h.prober.probes).as("interval counts from the answer, at 6 s").hasSize(1);
        advance(1);
        assertThat(h.prober.probes).hasSize(2);
        assertThat(h.prober.last().at()).isEqualTo(Duration.ofSeconds(11));
        assertThat(h.healthChanges("a")).containsExactly("INACTIVE>STARTING", "STARTING>HEALTHY");
    }

    @Test
    void retriesFailuresInARowMakeItUnhealthyAndOneSuccessHealthyAgain() {
        start("{tcp: \"127.0.0.1:9\", interval: 1s, retries: 3}");
        advance(1);
        h.prober.answer(true, "ok");
        for (int i = 0; i < 2; i++) {
            advance(1);
            h.prober.answer(false, "connection refused");
        }
        assertThat(health()).as("2 failures of 3").isEqualTo(HealthStatus.HEALTHY);
        assertThat(h.state("a").health().orElseThrow().consecutiveFailures()).isEqualTo(2);
        advance(1);
        h.prober.answer(true, "ok");
        assertThat(h.state("a").health().orElseThrow().consecutiveFailures()).as("a success starts the count over").isZero();
        for (int i = 0; i < 3; i++) {
            advance(1);
            h.prober.answer(false, "connection refused");
        }
        assertThat(health()).isEqualTo(HealthStatus.UNHEALTHY);
        assertThat(h.stateOf("a")).as("on_unhealthy none: reported only").isEqualTo(RUNNING);
        EngineEvent.HealthChanged change = (EngineEvent.HealthChanged) h.journal.since(0).stream()
                .filter(e -> e instanceof EngineEvent.HealthChanged c && c.to() == HealthStatus.UNHEALTHY).findFirst().orElseThrow();
        assertThat(change.reason()).isEqualTo("3 probes in a row failed: connection refused");
        assertThat(change.after().health().orElseThrow().status()).isEqualTo(HealthStatus.UNHEALTHY);
        advance(1);
        h.prober.answer(true, "ok");
        assertThat(health()).isEqualTo(HealthStatus.HEALTHY);
    }

    @Test
    void failuresWithinStartPeriodDoNotCount() {
        start("{tcp: \"127.0.0.1:9\", interval: 5s, retries: 2, start_period: 20s}");
        for (int t = 5; t <= 15; t += 5) {
            advance(5);
            h.prober.answer(false, "refused at " + t);
        }
        assertThat(health()).isEqualTo(HealthStatus.STARTING);
        assertThat(h.state("a").health().orElseThrow().consecutiveFailures()).isZero();
        assertThat(h.state("a").health().orElseThrow().lastOutput()).isEqualTo("refused at 15");
        advance(5);
        h.prober.answer(false, "refused at 20");
        assertThat(health()).as("one failure after start_period").isEqualTo(HealthStatus.STARTING);
        advance(5);
        h.prober.answer(false, "refused at 25");
        assertThat(health()).isEqualTo(HealthStatus.UNHEALTHY);
    }

    @Test
    void aSuccessEndsTheStartPeriod() {
        start("{tcp: \"127.0.0.1:9\", interval: 5s, retries: 2, start_period: 1h}");
        advance(5);
        h.prober.answer(true, "ok");
        advance(5);
        h.prober.answer(false, "refused");
        advance(5);
        h.prober.answer(false, "refused");
        assertThat(health()).isEqualTo(HealthStatus.UNHEALTHY);
    }

    @Test
    void aProbeThatDoesNotAnswerFailsSoonAfterTimeoutAndItsLateAnswerIsIgnored() {
        start("{tcp: \"127.0.0.1:9\", interval: 5s, timeout: 2s, retries: 1}");
        advance(5);
        FakeProber.Probe hung = h.prober.last();
        advance(2);
        assertThat(health()).as("the prober has until timeout + grace to say why").isEqualTo(HealthStatus.STARTING);
        advance(1);
        assertThat(health()).isEqualTo(HealthStatus.UNHEALTHY);
        assertThat(h.state("a").health().orElseThrow().lastOutput()).isEqualTo("did not answer within 2 s");
        hung.answer(true, "too late");
        h.clock.runReady();
        assertThat(health()).as("the late answer is ignored").isEqualTo(HealthStatus.UNHEALTHY);
        advance(5);
        assertThat(h.prober.probes).as("the next probe, one interval after the timeout").hasSize(2);
    }

    @Test
    void onUnhealthyRestartStopsAndStartsItCountedAsARestart() {
        h.start("""
                programs:
                  a:
                    cmd: x
                    starttime: 0
                    stoptime: 3
                    health_check: {tcp: "127.0.0.1:9", interval: 1s, retries: 2, on_unhealthy: restart}
                """);
        advance(1);
        h.prober.answer(false, "refused");
        advance(1);
        h.prober.answer(false, "refused");
        assertThat(h.stateOf("a")).isEqualTo(STOPPING);
        FakeProber.Probe last = h.prober.last();
        assertThat(h.launcher.last("a").signals).containsExactly("TERM@2000");
        advance(3);
        assertThat(h.launcher.last("a").signals).as("SIGKILL at stoptime, as any stop").containsExactly("TERM@2000",
                "group:KILL@5000");
        assertThat(h.prober.last()).as("no probe while stopping").isSameAs(last);
        h.launcher.last("a").exit(new ExitOutcome.Killed(dev.taskmaster.config.Signal.KILL, false));
        h.clock.runReady();
        assertThat(h.stateOf("a")).isEqualTo(RUNNING);
        assertThat(h.launcher.of("a")).hasSize(2);
        assertThat(h.state("a").restartCount()).isEqualTo(1);
        assertThat(health()).isEqualTo(HealthStatus.STARTING);
        assertThat(h.transitions("a")).containsExactly("STOPPED>STARTING", "STARTING>RUNNING", "RUNNING>STOPPING",
                "STOPPING>STOPPED", "STOPPED>STARTING", "STARTING>RUNNING");
        assertThat(h.healthChanges("a")).containsExactly("INACTIVE>STARTING", "STARTING>UNHEALTHY", "UNHEALTHY>INACTIVE",
                "INACTIVE>STARTING");
        EngineEvent.StateChanged stopping = (EngineEvent.StateChanged) h.journal.since(0).stream()
                .filter(e -> e instanceof EngineEvent.StateChanged c && c.to() == STOPPING).findFirst().orElseThrow();
        assertThat(stopping.reason()).isEqualTo("unhealthy (2 probes in a row failed: refused); restarting: stopping with SIGTERM");
    }

    @Test
    void aStopByCommandDuringAnUnhealthyRestartLeavesItStopped() {
        start("{tcp: \"127.0.0.1:9\", interval: 1s, retries: 1, on_unhealthy: restart}");
        advance(1);
        h.prober.answer(false, "refused");
        assertThat(h.stateOf("a")).isEqualTo(STOPPING);
        h.clock.await(h.engine.stop(List.of("a")));
        h.launcher.last("a").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(h.stateOf("a")).isEqualTo(STOPPED);
        assertThat(h.launcher.of("a")).hasSize(1);
    }

    @Test
    void unhealthyRestartsObeyMaxRestarts() {
        start("{tcp: \"127.0.0.1:9\", interval: 1s, retries: 1, on_unhealthy: restart}\n    max_restarts: 0");
        advance(1);
        h.prober.answer(false, "refused");
        h.launcher.last("a").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        assertThat(h.stateOf("a")).isEqualTo(ProcessState.FATAL);
        assertThat(h.state("a").health().orElseThrow().status()).isEqualTo(HealthStatus.INACTIVE);
        EngineEvent.StateChanged fatal = (EngineEvent.StateChanged) h.journal.since(0).stream()
                .filter(e -> e instanceof EngineEvent.StateChanged c && c.to() == ProcessState.FATAL).findFirst().orElseThrow();
        assertThat(fatal.reason()).isEqualTo("gave up after 0 restarts in a row (max_restarts 0)");
    }

    @Test
    void aPausedProcessIsNotProbedAndAnEndedOneIsInactive() {
        start("{tcp: \"127.0.0.1:9\", interval: 1s, retries: 1}");
        h.clock.await(h.engine.pause(List.of("a")));
        advance(10);
        assertThat(h.prober.probes).isEmpty();
        h.clock.await(h.engine.resume(List.of("a")));
        advance(1);
        assertThat(h.prober.probes).hasSize(1);
        FakeProber.Probe pending = h.prober.last();
        h.clock.await(h.engine.stop(List.of("a")));
        h.launcher.last("a").exit(new ExitOutcome.Exited(0));
        h.clock.runReady();
        pending.answer(false, "refused");
        h.clock.runReady();
        assertThat(health()).as("a result for a process that has ended does not count").isEqualTo(HealthStatus.INACTIVE);
        advance(10);
        assertThat(h.prober.probes).hasSize(1);
    }

    @Test
    void aProbeRunsForTheSettingsOfNowAndTheCheckCanBeAddedByReload() {
        h.start("programs:\n  a:\n    cmd: x\n    starttime: 0\n");
        h.clock.await(h.engine.reload(EngineHarness.config(tmp, "programs:\n  a:\n    cmd: x\n    starttime: 0\n"
                + "    health_check: {http: \"http://127.0.0.1:9/\", interval: 2s}\n")));
        assertThat(h.stateOf("a")).isEqualTo(RUNNING);
        assertThat(h.launcher.of("a")).as("updated in place").hasSize(1);
        assertThat(health()).isEqualTo(HealthStatus.STARTING);
        advance(2);
        assertThat(h.prober.last().target().probe().key()).isEqualTo("http");
        h.prober.answer(true, "HTTP 200");
        assertThat(health()).isEqualTo(HealthStatus.HEALTHY);
        assertThat(h.stateOf("a")).isEqualTo(RUNNING);
        assertThat(h.state("a").state()).isNotEqualTo(STARTING);
    }
}
