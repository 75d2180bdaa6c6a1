package dev.taskmaster.server.engine;

import static dev.taskmaster.server.engine.ProcessState.RUNNING;
import static dev.taskmaster.server.engine.ProcessState.STARTING;
import static dev.taskmaster.server.engine.ProcessState.STOPPED;
import static dev.taskmaster.server.engine.ProcessState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.KillMode;
import dev.taskmaster.server.recovery.StateFile;
import dev.taskmaster.server.recovery.StreamIdentity;
import dev.taskmaster.server.recovery.Survivor;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Survivors of a previous daemon resumed by the engine (crash recovery, re-exec): RUNNING with
 * their pid and real uptime instead of a second copy, restarted by policy when their output
 * was lost, supervised like any process afterwards; the journal numbering on after a gap.
 */
class ResumeTest {

    @TempDir
    Path tmp;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(tmp);
    }

    private static Survivor survivor(String instance, int pid, Duration age, Optional<String> lost) {
        StateFile.Entry e = new StateFile.Entry(instance, pid, 100, pid, 1000, false, StreamIdentity.NONE, StreamIdentity.NONE,
                StreamIdentity.NONE, 15, Duration.ofSeconds(10), KillMode.MIXED);
        return new Survivor(e, false, Instant.parse("2026-12-07T05:00:00Z"), age, -1, -1, -1, false, lost,
                "pid " + pid + " survived the previous daemon (pid 1, crashed at 2026-12-07 05:40:00 or soon after); supervised again");
    }

    private void start(String yaml, Survivor... survivors) {
        h.engine = new Engine(EngineHarness.config(tmp, yaml), h.launcher, h.clock, h.clock, h.journal, h.prober);
        Map<String, Survivor> byName = new java.util.LinkedHashMap<>();
        for (Survivor s : survivors) {
            byName.put(s.instance(), s);
        }
        h.clock.await(h.engine.startAutostart(byName));
    }

    @Test
    void aSurvivorIsRunningWithItsPidAndUptimeAndTheRestAutostart() {
        start("programs:\n  web:\n    cmd: x\n    starttime: 5\n  db:\n    cmd: y\n",
                survivor("web", 4300, Duration.ofHours(2), Optional.empty()));
        ProcessSnapshot web = h.state("web");
        assertThat(web.state()).isEqualTo(RUNNING);
        assertThat(web.pid()).isEqualTo(4300);
        assertThat(web.startTime()).contains(Instant.parse("2026-12-07T05:00:00Z"));
        assertThat(h.launcher.of("web")).hasSize(1);
        assertThat(h.launcher.of("db")).as("db is autostarted as usual").hasSize(1);
        assertThat(h.stateOf("db")).isEqualTo(STARTING);
        List<EngineEvent.StateChanged> events = h.journal.since(0).stream().filter(e -> e instanceof EngineEvent.StateChanged c
                && c.process().equals("web")).map(e -> (EngineEvent.StateChanged) e).toList();
        assertThat(events).extracting(EngineEvent.StateChanged::reason).containsExactly("resuming pid 4300",
                "pid 4300 survived the previous daemon (pid 1, crashed at 2026-12-07 05:40:00 or soon after); supervised again");
        assertThat(events.getLast().pid()).isEqualTo(4300);

        // Its end is an ordinary exit, and the policy restarts it.
        h.launcher.last("web").exit(new ExitOutcome.Unknown());
        h.clock.runReady();
        assertThat(h.transitions("web")).containsExactly("STOPPED>STARTING", "STARTING>RUNNING", "RUNNING>EXITED",
                "EXITED>STARTING");
        assertThat(h.state("web").pid()).isNotEqualTo(4300);
        assertThat(h.state("web").lastExit().orElseThrow().runTime()).as("it ran for its real uptime")
                .isGreaterThanOrEqualTo(Duration.ofHours(2));
    }

    @Test
    void aResumedSurvivorIsProbedByItsHealthCheckAgain() {
        start("programs:\n  web:\n    cmd: x\n    health_check: {tcp: \"127.0.0.1:9\", interval: 5s, timeout: 2s}\n",
                survivor("web", 4300, Duration.ofHours(2), Optional.empty()));
        assertThat(h.state("web").health().orElseThrow().status())
                .isEqualTo(dev.taskmaster.server.engine.health.HealthStatus.STARTING);
        h.clock.advance(Duration.ofSeconds(5));
        assertThat(h.prober.probes).as("a probe one interval after the resume").hasSize(1);
    }

    @Test
    void aSurvivorWhoseOutputIsLostIsStoppedWithItsStopSettingsAndStartedAgain() {
        start("programs:\n  web:\n    cmd: x\n    starttime: 0\n    stopsignal: INT\n",
                survivor("web", 4300, Duration.ofMinutes(1), Optional.of("its terminal (pty 3) closed")));
        FakeLauncher.Launch old = h.launcher.last("web");
        assertThat(h.stateOf("web")).isEqualTo(STOPPING);
        assertThat(old.signals).as("its stop signal (killmode mixed: to the process)").containsExactly("INT@0");
        EngineEvent.StateChanged stopping = (EngineEvent.StateChanged) h.journal.since(0).getLast();
        assertThat(stopping.reason()).isEqualTo("its terminal (pty 3) closed; restarting it");
        old.exit(new ExitOutcome.Unknown());
        h.clock.runReady();
        assertThat(h.transitions("web")).containsExactly("STOPPED>STARTING", "STARTING>RUNNING", "RUNNING>STOPPING",
                "STOPPING>STOPPED", "STOPPED>STARTING", "STARTING>RUNNING");
        assertThat(h.state("web").pid()).isNotEqualTo(4300);
        assertThat(h.state("web").restartCount()).isEqualTo(1);
    }

    @Test
    void withAutorestartNeverALostOutputsSurvivorIsStoppedAndStaysDown() {
        start("programs:\n  web:\n    cmd: x\n    autorestart: never\n",
                survivor("web", 4300, Duration.ofMinutes(1), Optional.of("its stdout pipe is gone")));
        h.launcher.last("web").exit(new ExitOutcome.Unknown());
        h.clock.runReady();
        assertThat(h.stateOf("web")).isEqualTo(STOPPED);
        assertThat(h.launcher.of("web")).hasSize(1);
    }

    @Test
    void aStopAskedForWhileItIsReplacedIsNotUndone() {
        start("programs:\n  web:\n    cmd: x\n",
                survivor("web", 4300, Duration.ofMinutes(1), Optional.of("its stdout pipe is gone")));
        h.clock.await(h.engine.stop(List.of("web")));
        h.launcher.last("web").exit(new ExitOutcome.Unknown());
        h.clock.runReady();
        assertThat(h.stateOf("web")).isEqualTo(STOPPED);
        assertThat(h.launcher.of("web")).hasSize(1);
    }

    @Test
    void aSurvivorThatEndedMeanwhileLeavesItsInstanceToTheAutostart() {
        h.launcher.failNext(1, "no process with pid 4300 (it has ended)");
        start("programs:\n  web:\n    cmd: x\n", survivor("web", 4300, Duration.ofMinutes(1), Optional.empty()));
        assertThat(h.launcher.of("web")).hasSize(1);
        assertThat(h.state("web").pid()).isNotEqualTo(4300);
        assertThat(h.stateOf("web")).isEqualTo(STARTING);
    }

    @Test
    void theJournalNumbersOnAfterThePreviousDaemonsPastAGap() {
        h.journal.continueAfter(1234, 10_000);
        start("programs:\n  web:\n    cmd: x\n");
        assertThat(h.journal.since(0).getFirst().sequence()).isEqualTo(11_235);
        assertThat(h.journal.oldestSequence()).as("a watcher from #1235 is told it missed events").isEqualTo(11_235);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> h.journal.continueAfter(1, 1))
                .isInstanceOf(IllegalStateException.class);
    }
}
