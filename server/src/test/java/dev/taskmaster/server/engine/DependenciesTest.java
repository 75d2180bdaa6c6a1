package dev.taskmaster.server.engine;

import static dev.taskmaster.server.engine.ProcessState.EXITED;
import static dev.taskmaster.server.engine.ProcessState.FATAL;
import static dev.taskmaster.server.engine.ProcessState.RUNNING;
import static dev.taskmaster.server.engine.ProcessState.SCHEDULED;
import static dev.taskmaster.server.engine.ProcessState.STARTING;
import static dev.taskmaster.server.engine.ProcessState.STOPPED;
import static dev.taskmaster.server.engine.ProcessState.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.DependencyCondition;
import dev.taskmaster.server.engine.deps.DependencyState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code depends_on} in the engine, on the manual clock: waits, starts, FATAL dependencies, stop order, reloads. */
class DependenciesTest {

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

    private String waitingFor(String name) {
        return h.state(name).waitingFor().orElse("");
    }

    private void advance(long millis) {
        h.clock.advance(Duration.ofMillis(millis));
    }

    @Test
    void startedIsMetAsSoonAsTheDependencyIsSpawnedSoTheDependentStartsInTheSamePass() {
        h.start("""
                programs:
                  web: {cmd: x, starttime: 5, depends_on: [db]}
                  db: {cmd: x, starttime: 5}
                """);
        assertThat(h.launcher.launches).extracting(l -> l.spec.name()).containsExactly("db", "web");
        assertThat(h.transitions("web")).containsExactly("STOPPED>STARTING");
    }

    @Test
    void aStartByItsOwnDelayTimerWaitsForItsDependenciesAndGoesOnceTheyAreMet() {
        h.start("""
                programs:
                  db: {cmd: x, starttime: 5, autostart: false}
                  job: {cmd: x, starttime: 0, start_delay: 30s, depends_on: {db: running}}
                """);
        assertThat(h.stateOf("job")).isEqualTo(SCHEDULED);
        advance(30_000);
        assertThat(h.stateOf("job")).isEqualTo(SCHEDULED);
        assertThat(waitingFor("job")).isEqualTo("waiting for db to be running");
        assertThat(h.launcher.of("job")).isEmpty();
        h.clock.await(h.engine.start(List.of("db")));
        advance(4999);
        assertThat(h.launcher.of("job")).isEmpty();
        advance(1);
        assertThat(h.stateOf("db")).isEqualTo(RUNNING);
        assertThat(h.launcher.of("job")).hasSize(1);
        assertThat(h.transitions("job")).containsExactly("STOPPED>SCHEDULED", "SCHEDULED>STARTING", "STARTING>RUNNING");
    }

    @Test
    void runningWaitsScheduledUntilEveryInstanceHasStayedUpForItsStarttime() {
        h.start("""
                programs:
                  db: {cmd: x, starttime: 5, numprocs: 2}
                  web: {cmd: x, starttime: 0, depends_on: {db: running}}
                """);
        assertThat(h.stateOf("web")).isEqualTo(SCHEDULED);
        assertThat(waitingFor("web")).isEqualTo("waiting for db to be running");
        assertThat(h.state("web").dependencies()).containsExactly(new DependencyState("db", DependencyCondition.RUNNING, false));
        assertThat(h.launcher.of("web")).isEmpty();
        // One instance of two is not enough.
        h.launcher.last("db:1").exit(code(1));
        advance(5000);
        assertThat(h.stateOf("db:0")).isEqualTo(RUNNING);
        assertThat(h.stateOf("web")).isEqualTo(SCHEDULED);
        // db:1's retry (backoff 1 s) was spawned at 1 s: RUNNING at 6 s.
        advance(999);
        assertThat(h.stateOf("web")).isEqualTo(SCHEDULED);
        advance(1);
        assertThat(h.stateOf("db:1")).isEqualTo(RUNNING);
        assertThat(h.stateOf("web")).isEqualTo(RUNNING);
        assertThat(h.transitions("web")).containsExactly("STOPPED>SCHEDULED", "SCHEDULED>STARTING", "STARTING>RUNNING");
        assertThat(h.state("web").dependencies()).containsExactly(new DependencyState("db", DependencyCondition.RUNNING, true));
        assertThat(h.state("web").waitingFor()).isEmpty();
    }

    @Test
    void healthyWaitsForTheHealthCheckNotTheState() {
        h.start("""
                programs:
                  db: {cmd: x, starttime: 0, health_check: {tcp: "127.0.0.1:9", interval: 5s, timeout: 1s, retries: 1}}
                  web: {cmd: x, starttime: 0, depends_on: {db: healthy}}
                """);
        assertThat(h.stateOf("db")).isEqualTo(RUNNING);
        assertThat(waitingFor("web")).isEqualTo("waiting for db to be healthy");
        advance(5000);
        h.prober.answer(false, "refused");
        assertThat(h.stateOf("web")).isEqualTo(SCHEDULED);
        advance(5000);
        h.prober.answer(true, "ok");
        assertThat(h.stateOf("web")).isEqualTo(RUNNING);
    }

    @Test
    void completedSuccessfullyWaitsForAnExpectedExitAndNotForAFailedOne() {
        h.start("""
                programs:
                  migrate: {cmd: x, starttime: 0, autorestart: never, exitcodes: [0]}
                  web: {cmd: x, starttime: 0, depends_on: {migrate: completed_successfully}}
                """);
        assertThat(waitingFor("web")).isEqualTo("waiting for migrate to complete successfully");
        h.launcher.last("migrate").exit(code(3));
        h.clock.runReady();
        assertThat(h.stateOf("migrate")).isEqualTo(EXITED);
        assertThat(h.stateOf("web")).as("an unexpected exit is no completion").isEqualTo(SCHEDULED);
        h.clock.await(h.engine.start(List.of("migrate")));
        h.launcher.last("migrate").exit(code(0));
        h.clock.runReady();
        assertThat(h.stateOf("web")).isEqualTo(RUNNING);
        assertThat(h.launcher.of("web")).hasSize(1);
    }

    @Test
    void everyUnmetDependencyIsNamedAndTheNoteFollowsThem() {
        h.start("""
                programs:
                  migrate: {cmd: x, starttime: 0, autorestart: never}
                  cache: {cmd: x, starttime: 3}
                  web: {cmd: x, starttime: 0, depends_on: {migrate: completed_successfully, cache: running}}
                """);
        assertThat(waitingFor("web")).isEqualTo("waiting for migrate to complete successfully; waiting for cache to be running");
        h.launcher.last("migrate").exit(code(0));
        h.clock.runReady();
        assertThat(h.stateOf("web")).isEqualTo(SCHEDULED);
        assertThat(waitingFor("web")).isEqualTo("waiting for cache to be running");
        advance(3000);
        assertThat(h.stateOf("web")).isEqualTo(RUNNING);
    }

    @Test
    void aFatalDependencyLeavesItsDependentsWaitingWithThatReasonUntilItIsStartedByHand() {
        h.start("""
                programs:
                  db: {cmd: x, starttime: 5, startretries: 0}
                  web: {cmd: x, starttime: 0, depends_on: {db: running}}
                """);
        h.launcher.last("db").exit(code(1));
        h.clock.runReady();
        assertThat(h.stateOf("db")).isEqualTo(FATAL);
        assertThat(h.stateOf("web")).isEqualTo(SCHEDULED);
        assertThat(waitingFor("web")).isEqualTo("waiting for db: db is FATAL");
        assertThat(h.transitions("web")).containsExactly("STOPPED>SCHEDULED");
        h.clock.await(h.engine.start(List.of("db")));
        assertThat(waitingFor("web")).isEqualTo("waiting for db to be running");
        advance(5000);
        assertThat(h.stateOf("web")).isEqualTo(RUNNING);
    }

    @Test
    void aStopCancelsTheWaitAndNothingStartsItLater() {
        h.start("""
                programs:
                  db: {cmd: x, starttime: 5}
                  web: {cmd: x, starttime: 0, depends_on: {db: running}}
                """);
        List<CommandResult> stopped = h.clock.await(h.engine.stop(List.of("web")));
        assertThat(stopped).extracting(CommandResult::message).containsExactly("stopped");
        assertThat(h.stateOf("web")).isEqualTo(STOPPED);
        advance(5000);
        assertThat(h.stateOf("db")).isEqualTo(RUNNING);
        assertThat(h.stateOf("web")).isEqualTo(STOPPED);
        assertThat(h.launcher.of("web")).isEmpty();
        assertThat(h.transitions("web")).containsExactly("STOPPED>SCHEDULED", "SCHEDULED>STOPPED");
    }

    @Test
    void aStartByCommandStartsWhatItDependsOnTooAndAnswersForTheNamesAskedOnly() {
        h.start("""
                programs:
                  migrate: {cmd: x, starttime: 0, autostart: false, autorestart: never}
                  db: {cmd: x, starttime: 2, autostart: false, depends_on: {migrate: completed_successfully}}
                  web: {cmd: x, starttime: 0, autostart: false, depends_on: {db: running}}
                """);
        assertThat(h.launcher.launches).isEmpty();
        List<CommandResult> results = h.clock.await(h.engine.start(List.of("web")));
        assertThat(results).extracting(CommandResult::process).containsExactly("web");
        assertThat(results.getFirst().message()).isEqualTo("waiting for db to be running");
        assertThat(h.stateOf("db")).isEqualTo(SCHEDULED);
        assertThat(waitingFor("db")).isEqualTo("waiting for migrate to complete successfully");
        h.launcher.last("migrate").exit(code(0));
        h.clock.runReady();
        assertThat(h.stateOf("db")).isEqualTo(STARTING);
        advance(2000);
        assertThat(h.stateOf("web")).isEqualTo(RUNNING);
        assertThat(h.launcher.launches).extracting(l -> l.spec.name()).containsExactly("migrate", "db", "web");
    }

    @Test
    void theStartPlanPutsDependenciesFirstWhateverTheirPriority() {
        h.start("""
                programs:
                  web: {cmd: x, starttime: 0, priority: 1, depends_on: [db]}
                  other: {cmd: x, starttime: 0, priority: 5}
                  db: {cmd: x, starttime: 0, priority: 999}
                """);
        assertThat(h.launcher.launches).extracting(l -> l.spec.name()).containsExactly("other", "db", "web");
    }

    @RepeatedTest(5)
    void shutdownStopsADependentBeforeWhatItDependsOn() {
        h.start("""
                programs:
                  db: {cmd: x, starttime: 0, priority: 900}
                  web: {cmd: x, starttime: 0, priority: 1, depends_on: {db: running}}
                """);
        assertThat(h.stateOf("web")).isEqualTo(RUNNING);
        CompletableFuture<Void> done = h.engine.shutdown("test");
        h.clock.runReady();
        // Priority alone would stop db (900) first; web depends on it, so web goes first.
        assertThat(h.stateOf("web")).isEqualTo(STOPPING);
        assertThat(h.stateOf("db")).isEqualTo(RUNNING);
        advance(500);
        h.launcher.last("web").exit(code(0));
        h.clock.runReady();
        assertThat(h.stateOf("db")).isEqualTo(STOPPING);
        assertThat(h.launcher.last("db").signals).containsExactly("TERM@500");
        h.launcher.last("db").exit(code(0));
        h.clock.runReady();
        assertThat(done).isDone();
    }

    @Test
    void aStopOfManyGoesInReverseDependencyOrderAndSaysWhatEachWaitsFor() {
        h.start("""
                programs:
                  db: {cmd: x, starttime: 0}
                  web: {cmd: x, starttime: 0, depends_on: {db: running}}
                """);
        List<CommandResult> results = h.clock.await(h.engine.stop(List.of("db", "web")));
        assertThat(results).extracting(r -> r.process() + ": " + r.message())
                .containsExactly("db: stopping once its dependents are down", "web: stopping");
        assertThat(h.stateOf("db")).isEqualTo(RUNNING);
        h.launcher.last("web").exit(code(0));
        h.clock.runReady();
        assertThat(h.stateOf("db")).isEqualTo(STOPPING);
    }

    @Test
    void shutdownCancelsAWaitAndStartsNothing() {
        h.start("""
                programs:
                  db: {cmd: x, starttime: 5}
                  web: {cmd: x, starttime: 0, depends_on: {db: running}}
                """);
        CompletableFuture<Void> done = h.engine.shutdown("test");
        h.clock.runReady();
        assertThat(h.stateOf("web")).isEqualTo(STOPPED);
        h.launcher.last("db").exit(code(0));
        h.clock.runReady();
        advance(10_000);
        assertThat(done).isDone();
        assertThat(h.launcher.of("web")).isEmpty();
    }

    @Test
    void aReloadThatAddsADependentMakesItWaitForTheProgramAlreadyThere() {
        h.start("""
                programs:
                  db: {cmd: x, starttime: 5}
                """);
        advance(1000);
        h.clock.await(h.engine.reload(EngineHarness.config(tmp, """
                programs:
                  db: {cmd: x, starttime: 5}
                  web: {cmd: x, starttime: 0, depends_on: {db: running}}
                """)));
        assertThat(h.stateOf("web")).isEqualTo(SCHEDULED);
        assertThat(h.stateOf("db")).as("db is unchanged").isEqualTo(STARTING);
        advance(4000);
        assertThat(h.stateOf("web")).isEqualTo(RUNNING);
    }

    @Test
    void aReloadThatDropsTheDependencyOfAWaitingProgramStartsIt() {
        h.start("""
                programs:
                  db: {cmd: x, starttime: 5, startretries: 0}
                  web: {cmd: x, starttime: 0, depends_on: {db: running}}
                """);
        h.launcher.last("db").exit(code(1));
        h.clock.runReady();
        assertThat(waitingFor("web")).isEqualTo("waiting for db: db is FATAL");
        h.clock.await(h.engine.reload(EngineHarness.config(tmp, """
                programs:
                  db: {cmd: x, starttime: 5, startretries: 0}
                  web: {cmd: x, starttime: 0}
                """)));
        h.clock.runReady();
        assertThat(h.stateOf("web")).isEqualTo(RUNNING);
    }

    @Test
    void anAutorestartDoesNotWaitAgain() {
        h.start("""
                programs:
                  db: {cmd: x, starttime: 0}
                  web: {cmd: x, starttime: 0, autorestart: always, depends_on: {db: running}}
                """);
        h.clock.await(h.engine.stop(List.of("db")));
        h.launcher.last("db").exit(code(0));
        h.clock.runReady();
        h.launcher.last("web").exit(code(1));
        h.clock.runReady();
        // Dependencies gate starts (autostart, start, reload), as in compose; a crash restart is the restart policy's.
        assertThat(h.launcher.of("web")).hasSize(2);
        assertThat(h.stateOf("web")).isEqualTo(RUNNING);
    }
}
