package dev.taskmaster.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.Config;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which events name the API caller whose command caused them, and which are the daemon's own. */
class RequestedByTest {

    static final String ALICE = "alice (uid 1000)";
    static final String BOB = "token deploy-bot";

    @TempDir
    java.nio.file.Path tmp;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(tmp);
    }

    /** Each transition of {@code name} as "FROM>TO by WHO" (WHO empty for the daemon). */
    List<String> transitions(String name) {
        return h.journal.since(0).stream().filter(e -> e instanceof EngineEvent.StateChanged c && c.process().equals(name))
                .map(e -> (EngineEvent.StateChanged) e).map(c -> c.from() + ">" + c.to() + " by " + c.requestedBy()).toList();
    }

    @Test
    void aStopAndAStartCarryTheirCallerThroughWhatFollows() {
        h.start("programs:\n  w: {cmd: x, starttime: 1}\n");
        h.clock.advance(Duration.ofSeconds(1));
        h.clock.await(h.engine.stop(List.of("w"), ALICE));
        h.launcher.last("w").exit(new dev.taskmaster.server.engine.ExitOutcome.Killed(dev.taskmaster.config.Signal.TERM, false));
        h.clock.runReady();
        h.clock.await(h.engine.start(List.of("w"), BOB));
        h.clock.advance(Duration.ofSeconds(1));
        assertThat(transitions("w")).containsExactly(
                "STOPPED>STARTING by ", "STARTING>RUNNING by ",            // autostart: the daemon
                "RUNNING>STOPPING by " + ALICE, "STOPPING>STOPPED by " + ALICE, // the stop and the exit it caused
                "STOPPED>STARTING by " + BOB, "STARTING>RUNNING by " + BOB);
    }

    @Test
    void anExitOnItsOwnAndTheAutorestartAreTheDaemons() {
        h.start("programs:\n  w: {cmd: x, starttime: 0, autorestart: always}\n");
        h.clock.await(h.engine.stop(List.of("w"), ALICE));
        h.launcher.last("w").exit(new dev.taskmaster.server.engine.ExitOutcome.Exited(0));
        h.clock.runReady();
        h.clock.await(h.engine.start(List.of("w"), BOB));
        h.launcher.last("w").exit(new dev.taskmaster.server.engine.ExitOutcome.Exited(3));
        h.clock.runReady();
        assertThat(transitions("w")).endsWith("STOPPED>STARTING by " + BOB, "STARTING>RUNNING by " + BOB,
                "RUNNING>EXITED by ", "EXITED>STARTING by ", "STARTING>RUNNING by ");
    }

    @Test
    void aFailedRequestedStartIsTheCallersButItsRetriesAreNot() {
        h.start("programs:\n  w: {cmd: x, starttime: 0, autostart: false, startretries: 1}\n");
        h.launcher.failNext(2, "no such file");
        h.clock.await(h.engine.start(List.of("w"), ALICE));
        h.clock.advance(Duration.ofSeconds(5));
        assertThat(transitions("w")).containsExactly("STOPPED>STARTING by " + ALICE, "STARTING>BACKOFF by " + ALICE,
                "BACKOFF>STARTING by ", "STARTING>BACKOFF by ", "BACKOFF>FATAL by ");
    }

    @Test
    void pauseResumeAndRestart() {
        h.start("programs:\n  w: {cmd: x, starttime: 0}\n");
        h.clock.await(h.engine.pause(List.of("w"), ALICE));
        h.clock.await(h.engine.resume(List.of("w"), BOB));
        var down = h.engine.stopAllDown(List.of("w"), ALICE);
        h.clock.runReady();
        h.launcher.last("w").exit(new dev.taskmaster.server.engine.ExitOutcome.Exited(0));
        h.clock.await(down);
        assertThat(transitions("w")).endsWith("RUNNING>PAUSED by " + ALICE, "PAUSED>RUNNING by " + BOB,
                "RUNNING>STOPPING by " + ALICE, "STOPPING>STOPPED by " + ALICE);
    }

    @Test
    void aReloadAndAProgramEditNameTheirCallerInTheEventAndTheTransitions() {
        h.start("programs:\n  a: {cmd: x, starttime: 0}\n");
        Config next = EngineHarness.config(tmp, "programs:\n  a: {cmd: x, starttime: 0}\n  b: {cmd: y, starttime: 0}\n");
        var done = h.engine.reload(next, ConfigChange.added(next.program("b").orElseThrow(), ALICE));
        h.clock.await(done);
        h.clock.runReady();
        EngineEvent.ConfigReloaded reloaded = h.journal.since(0).stream().filter(e -> e instanceof EngineEvent.ConfigReloaded)
                .map(e -> (EngineEvent.ConfigReloaded) e).findFirst().orElseThrow();
        assertThat(reloaded.change().kind()).isEqualTo(ConfigChange.Kind.PROGRAM_ADDED);
        assertThat(reloaded.change().programName()).isEqualTo("b");
        assertThat(reloaded.change().requestedBy()).isEqualTo(ALICE);
        assertThat(transitions("b")).first().isEqualTo("STOPPED>STARTING by " + ALICE);
        // A reload by SIGHUP is the daemon's.
        h.clock.await(h.engine.reload(EngineHarness.config(tmp, "programs:\n  a: {cmd: x, starttime: 0}\n  b: {cmd: y, starttime: 0}\n")));
        assertThat(h.journal.since(0).stream().filter(e -> e instanceof EngineEvent.ConfigReloaded).map(e -> (EngineEvent.ConfigReloaded) e)
                .map(r -> r.change().kind() + " " + r.change().requestedBy()).toList())
                .containsExactly("PROGRAM_ADDED " + ALICE, "RELOAD ");
    }

    @Test
    void aShutdownNamesItsCallerAndSoDoTheStopsItMakes() {
        h.start("programs:\n  w: {cmd: x, starttime: 0}\n");
        h.engine.shutdown("maintenance", ALICE);
        h.clock.runReady();
        h.launcher.last("w").exit(new dev.taskmaster.server.engine.ExitOutcome.Exited(0));
        h.clock.runReady();
        EngineEvent.ShutdownStarted s = h.journal.since(0).stream().filter(e -> e instanceof EngineEvent.ShutdownStarted)
                .map(e -> (EngineEvent.ShutdownStarted) e).findFirst().orElseThrow();
        assertThat(s.reason()).isEqualTo("maintenance");
        assertThat(s.requestedBy()).isEqualTo(ALICE);
        assertThat(transitions("w")).endsWith("RUNNING>STOPPING by " + ALICE, "STOPPING>STOPPED by " + ALICE);
    }
}
