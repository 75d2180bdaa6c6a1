package dev.taskmaster.server.engine;

import static dev.taskmaster.server.engine.ProcessState.EXITED;
import static dev.taskmaster.server.engine.ProcessState.RUNNING;
import static dev.taskmaster.server.engine.ProcessState.SCHEDULED;
import static dev.taskmaster.server.engine.ProcessState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * start_delay and cron in the engine, on the manual clock (which starts at 2026-11-22 10:00 UTC,
 * a Sunday): delayed starts, cancelled and hurried ones, cron runs, skipped overlaps, and reloads.
 */
class ScheduledStartTest {

    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    @TempDir
    Path tmp;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(tmp);
    }

    private void advanceTo(String utc) {
        h.clock.advance(Duration.between(h.clock.now(), Instant.parse(utc)));
    }

    private List<String> skips(String name) {
        return h.journal.since(0).stream().filter(e -> e instanceof EngineEvent.StartSkipped s && s.process().equals(name))
                .map(e -> ((EngineEvent.StartSkipped) e).reason()).toList();
    }

    private void exit(String name, int code) {
        h.launcher.last(name).exit(new ExitOutcome.Exited(code));
        h.clock.runReady();
    }

    // ---- start_delay -------------------------------------------------------------------------

    private static final String DELAYED = "programs:\n  a: {cmd: x, starttime: 0, start_delay: 30s}\n";

    @Test
    void anAutostartWaitsOutItsDelayScheduledThenStarts() {
        h.start(DELAYED);
        ProcessSnapshot s = h.state("a");
        assertThat(s.state()).isEqualTo(SCHEDULED);
        assertThat(s.nextStart()).contains(T0.plusSeconds(30));
        assertThat(s.waitingFor()).contains("start_delay 30 s");
        h.clock.advance(Duration.ofSeconds(29));
        assertThat(h.launcher.of("a")).isEmpty();
        assertThat(h.stateOf("a")).isEqualTo(SCHEDULED);
        h.clock.advance(Duration.ofSeconds(1));
        assertThat(h.launcher.of("a")).hasSize(1);
        assertThat(h.launcher.last("a").at).isEqualTo(Duration.ofSeconds(30));
        assertThat(h.state("a").state()).isEqualTo(RUNNING);
        assertThat(h.state("a").nextStart()).isEmpty();
        assertThat(h.state("a").waitingFor()).isEmpty();
        assertThat(h.transitions("a")).containsExactly("STOPPED>SCHEDULED", "SCHEDULED>STARTING", "STARTING>RUNNING");
    }

    @Test
    void stopCancelsTheScheduledStart() {
        h.start(DELAYED);
        List<CommandResult> r = h.clock.await(h.engine.stop(List.of("a")));
        assertThat(r.getFirst().message()).isEqualTo("stopped");
        assertThat(h.state("a").state()).isEqualTo(STOPPED);
        assertThat(h.state("a").nextStart()).isEmpty();
        h.clock.advance(Duration.ofMinutes(5));
        assertThat(h.launcher.of("a")).isEmpty();
        assertThat(h.transitions("a")).containsExactly("STOPPED>SCHEDULED", "SCHEDULED>STOPPED");
    }

    @Test
    void startStartsItNowAndTheDelayDoesNotStartItAgain() {
        h.start(DELAYED);
        h.clock.advance(Duration.ofSeconds(10));
        h.clock.await(h.engine.start(List.of("a")));
        assertThat(h.stateOf("a")).isEqualTo(RUNNING);
        assertThat(h.launcher.last("a").at).isEqualTo(Duration.ofSeconds(10));
        h.clock.advance(Duration.ofMinutes(1));
        assertThat(h.launcher.of("a")).hasSize(1);
    }

    @Test
    void restartsByPolicyAreNotDelayed() {
        h.start("programs:\n  a: {cmd: x, starttime: 0, start_delay: 30s, autorestart: always}\n");
        h.clock.advance(Duration.ofSeconds(30));
        h.clock.advance(Duration.ofSeconds(100));
        exit("a", 0);
        assertThat(h.launcher.of("a")).hasSize(2);
        assertThat(h.launcher.last("a").at).isEqualTo(Duration.ofSeconds(130));
        assertThat(h.stateOf("a")).isEqualTo(RUNNING);
    }

    @Test
    void aProgramAddedByReloadWaitsItsDelayTooAndShutdownCancelsIt() {
        h.start("programs:\n  a: {cmd: x, starttime: 0}\n");
        h.clock.await(h.engine.reload(EngineHarness.config(tmp,
                "programs:\n  a: {cmd: x, starttime: 0}\n  b: {cmd: y, starttime: 0, start_delay: 10s}\n")));
        assertThat(h.state("b").state()).isEqualTo(SCHEDULED);
        assertThat(h.state("b").nextStart()).contains(T0.plusSeconds(10));
        h.engine.shutdown("test");
        h.clock.runReady();
        assertThat(h.stateOf("b")).isEqualTo(STOPPED);
        h.clock.advance(Duration.ofMinutes(1));
        assertThat(h.launcher.of("b")).isEmpty();
    }

    // ---- cron ----------------------------------------------------------------------------------

    private static final String EVERY_5 = "programs:\n  c: {cmd: x, starttime: 0, cron: \"*/5 * * * *\"}\n";

    @Test
    void aCronProgramIsScheduledAtBootRunsWhenDueAndWaitsForTheNextTime() {
        h.start(EVERY_5);
        ProcessSnapshot s = h.state("c");
        assertThat(s.state()).isEqualTo(SCHEDULED);
        assertThat(s.nextStart()).contains(Instant.parse("2026-11-22T10:05:00Z"));
        assertThat(s.waitingFor()).contains("cron \"*/5 * * * *\"");
        assertThat(h.launcher.of("c")).isEmpty();
        advanceTo("2026-11-22T10:04:59Z");
        assertThat(h.launcher.of("c")).isEmpty();
        advanceTo("2026-11-22T10:05:00Z");
        assertThat(h.launcher.of("c")).hasSize(1);
        assertThat(h.stateOf("c")).isEqualTo(RUNNING);
        advanceTo("2026-11-22T10:06:00Z");
        exit("c", 0);
        assertThat(h.state("c").state()).isEqualTo(SCHEDULED);
        assertThat(h.state("c").nextStart()).contains(Instant.parse("2026-11-22T10:10:00Z"));
        assertThat(h.transitions("c")).containsExactly("STOPPED>SCHEDULED", "SCHEDULED>STARTING", "STARTING>RUNNING",
                "RUNNING>EXITED", "EXITED>SCHEDULED");
        advanceTo("2026-11-22T10:10:00Z");
        assertThat(h.launcher.of("c")).hasSize(2);
    }

    @Test
    void aRunDueWhileTheLastStillRunsIsSkippedAndLogged() {
        h.start(EVERY_5);
        advanceTo("2026-11-22T10:05:00Z");
        int pid = h.launcher.last("c").pid;
        advanceTo("2026-11-22T10:12:00Z");
        assertThat(h.launcher.of("c")).hasSize(1);
        assertThat(skips("c")).containsExactly("skipped the cron run due at 2026-11-22 10:10 UTC: still RUNNING (pid "
                + pid + ") from the run before");
        exit("c", 0);
        assertThat(h.state("c").nextStart()).contains(Instant.parse("2026-11-22T10:15:00Z"));
        advanceTo("2026-11-22T10:15:00Z");
        assertThat(h.launcher.of("c")).hasSize(2);
        assertThat(skips("c")).hasSize(1);
    }

    @Test
    void autorestartDoesNotFightTheSchedule() {
        // A job that did its work is not run again by autorestart: always; a failure still is, by the usual rules.
        h.start("programs:\n  c: {cmd: x, starttime: 0, autorestart: always, cron: \"0 * * * *\"}\n");
        advanceTo("2026-11-22T11:00:00Z");
        advanceTo("2026-11-22T11:02:00Z");
        exit("c", 0);
        assertThat(h.stateOf("c")).isEqualTo(SCHEDULED);
        assertThat(h.launcher.of("c")).hasSize(1);
        advanceTo("2026-11-22T12:00:00Z");
        advanceTo("2026-11-22T12:02:00Z");
        exit("c", 3);
        assertThat(h.launcher.of("c")).hasSize(3);
        assertThat(h.stateOf("c")).isEqualTo(RUNNING);
    }

    @Test
    void aFailedRunThatIsNotRestartedWaitsForTheNextTimeWithItsExitKept() {
        h.start("programs:\n  c: {cmd: x, starttime: 0, autorestart: never, cron: \"@hourly\"}\n");
        advanceTo("2026-11-22T11:00:00Z");
        exit("c", 3);
        ProcessSnapshot s = h.state("c");
        assertThat(s.state()).isEqualTo(SCHEDULED);
        assertThat(s.lastExit().orElseThrow().outcome()).isEqualTo(new ExitOutcome.Exited(3));
        assertThat(s.nextStart()).contains(Instant.parse("2026-11-22T12:00:00Z"));
        assertThat(h.transitions("c")).endsWith("RUNNING>EXITED", "EXITED>SCHEDULED");
    }

    @Test
    void aRunThatCannotStartGoesFatalThenBackToTheSchedule() {
        h.start("programs:\n  c: {cmd: x, starttime: 0, startretries: 0, cron: \"@hourly\"}\n");
        h.launcher.failNext(1, "no such file");
        advanceTo("2026-11-22T11:00:00Z");
        assertThat(h.transitions("c")).endsWith("SCHEDULED>STARTING", "STARTING>BACKOFF", "BACKOFF>FATAL", "FATAL>SCHEDULED");
        assertThat(h.state("c").nextStart()).contains(Instant.parse("2026-11-22T12:00:00Z"));
        advanceTo("2026-11-22T12:00:00Z");
        assertThat(h.stateOf("c")).isEqualTo(RUNNING);
    }

    @Test
    void withoutAutostartACronProgramWaitsForAStartByHand() {
        h.start("programs:\n  c: {cmd: x, starttime: 0, autostart: false, cron: \"*/5 * * * *\"}\n");
        assertThat(h.stateOf("c")).isEqualTo(STOPPED);
        advanceTo("2026-11-22T10:30:00Z");
        assertThat(h.launcher.of("c")).isEmpty();
        h.clock.await(h.engine.start(List.of("c")));
        assertThat(h.stateOf("c")).isEqualTo(RUNNING);
        exit("c", 0);
        assertThat(h.state("c").nextStart()).contains(Instant.parse("2026-11-22T10:35:00Z"));
        assertThat(h.stateOf("c")).isEqualTo(SCHEDULED);
    }

    @Test
    void stopDisarmsTheScheduleUntilStartedAgain() {
        h.start(EVERY_5);
        h.clock.await(h.engine.stop(List.of("c")));
        assertThat(h.stateOf("c")).isEqualTo(STOPPED);
        advanceTo("2026-11-22T10:20:00Z");
        assertThat(h.launcher.of("c")).isEmpty();
        // Stopped while it runs: down, and no more runs.
        h.clock.await(h.engine.start(List.of("c")));
        h.clock.await(h.engine.stop(List.of("c")));
        h.launcher.last("c").exit(new ExitOutcome.Killed(dev.taskmaster.config.Signal.TERM, false));
        h.clock.runReady();
        assertThat(h.stateOf("c")).isEqualTo(STOPPED);
        advanceTo("2026-11-22T11:00:00Z");
        assertThat(h.launcher.of("c")).hasSize(1);
        assertThat(skips("c")).isEmpty();
    }

    @Test
    void aReloadMovesTheScheduleToItsNewTimes() {
        h.start("programs:\n  c: {cmd: x, starttime: 0, cron: \"0 * * * *\"}\n");
        assertThat(h.state("c").nextStart()).contains(Instant.parse("2026-11-22T11:00:00Z"));
        h.clock.await(h.engine.reload(EngineHarness.config(tmp, EVERY_5)));
        ProcessSnapshot s = h.state("c");
        assertThat(s.state()).isEqualTo(SCHEDULED);
        assertThat(s.nextStart()).contains(Instant.parse("2026-11-22T10:05:00Z"));
        assertThat(s.waitingFor()).contains("cron \"*/5 * * * *\"");
        advanceTo("2026-11-22T10:05:00Z");
        assertThat(h.launcher.of("c")).hasSize(1);
        exit("c", 0);
        // Without cron it waits for nothing: STOPPED, and the old times are gone.
        h.clock.await(h.engine.reload(EngineHarness.config(tmp, "programs:\n  c: {cmd: x, starttime: 0}\n")));
        assertThat(h.stateOf("c")).isEqualTo(STOPPED);
        assertThat(h.state("c").nextStart()).isEmpty();
        advanceTo("2026-11-22T12:00:00Z");
        assertThat(h.launcher.of("c")).hasSize(1);
        // A cron added in place arms it.
        h.clock.await(h.engine.reload(EngineHarness.config(tmp, EVERY_5)));
        assertThat(h.stateOf("c")).isEqualTo(SCHEDULED);
        assertThat(h.state("c").nextStart()).contains(Instant.parse("2026-11-22T12:05:00Z"));
    }

    @Test
    void cronTimesAreReadInTheClocksZone() {
        h.clock.zone = ZoneId.of("America/New_York"); // 10:00 UTC is 05:00 EST
        h.start("programs:\n  c: {cmd: x, starttime: 0, cron: \"30 5 * * *\"}\n");
        assertThat(h.state("c").nextStart()).contains(Instant.parse("2026-11-22T10:30:00Z"));
        EngineHarness utc = new EngineHarness(tmp).start("programs:\n  c: {cmd: x, starttime: 0, cron: \"30 5 * * *\"}\n");
        assertThat(utc.state("c").nextStart()).contains(Instant.parse("2026-11-23T05:30:00Z"));
        advanceTo("2026-11-22T10:30:00Z");
        assertThat(h.launcher.of("c")).hasSize(1);
        assertThat(h.transitions("c")).contains("SCHEDULED>STARTING");
        assertThat(h.state("c").waitingFor()).isEqualTo(Optional.empty());
        assertThat(h.stateOf("c")).isNotEqualTo(EXITED);
    }
}
