package dev.taskmaster.server.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.testkit.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Launches are made on spawner threads while the engine goes on: real processes stopped,
 * removed by a reload, or caught by a shutdown while their launch is in flight. Whatever the
 * interleaving, every process spawned is supervised until it is down, and none is left behind.
 * Each race is run many times, so that it falls on every side of the launches.
 */
class InFlightLaunchRaceTest {

    private static final int PROGRAMS = 8;
    private static final int ROUNDS = 25;

    @TempDir
    Path tmp;

    private static String programs(String prefix, boolean autostart) {
        StringBuilder yaml = new StringBuilder("programs:\n");
        for (int i = 0; i < PROGRAMS; i++) {
            yaml.append("  ").append(prefix).append(i).append(": {cmd: \"/bin/sleep 1000\", starttime: 0, stoptime: 5, autostart: ")
                    .append(autostart).append("}\n");
        }
        return yaml.toString();
    }

    /** Every pid the journal saw spawned (its STARTING transitions). */
    private static Set<Integer> spawned(RealEngine e) {
        return e.journal.since(0).stream().filter(ev -> ev instanceof EngineEvent.StateChanged c && c.to() == ProcessState.STARTING)
                .map(ev -> ((EngineEvent.StateChanged) ev).pid()).filter(pid -> pid > 0).collect(Collectors.toSet());
    }

    private static void noneAlive(Set<Integer> pids) {
        // Down means reaped: a killed child is gone from /proc once its exit was handled.
        for (int pid : pids) {
            Poll.until("pid " + pid + " gone", Duration.ofSeconds(10), () -> !Procs.alive(pid));
        }
        assertThat(Procs.zombiesOf(ProcessHandle.current().pid())).as("unreaped children").isEmpty();
    }

    @Test
    void aStopRightAfterAStartLeavesEveryProcessDown() throws Exception {
        try (RealEngine e = new RealEngine(tmp, programs("p", false))) {
            List<String> all = java.util.stream.IntStream.range(0, PROGRAMS).mapToObj(i -> "p" + i).toList();
            for (int round = 0; round < ROUNDS; round++) {
                // Posted back to back: the stop reaches the engine while some launches are in flight.
                var started = e.engine.start(all);
                var stopped = e.engine.stop(all);
                started.get(20, TimeUnit.SECONDS);
                stopped.get(20, TimeUnit.SECONDS);
                for (String name : all) {
                    assertThat(e.engine.awaitState(name, ProcessState::isDown).get(20, TimeUnit.SECONDS).state())
                            .as("%s in round %d", name, round).isEqualTo(ProcessState.STOPPED);
                }
                noneAlive(spawned(e));
            }
            assertThat(spawned(e)).as("some launches were made").isNotEmpty();
        }
    }

    @Test
    void aReloadRemovingProgramsWhoseLaunchesAreInFlightLeavesNoneOfThemRunning() throws Exception {
        String base = programs("kept", true);
        String gone = programs("gone", false).substring("programs:\n".length());
        List<String> goneNames = java.util.stream.IntStream.range(0, PROGRAMS).mapToObj(i -> "gone" + i).toList();
        try (RealEngine e = new RealEngine(tmp, base + gone)) {
            Set<Integer> kept = e.engine.snapshot().get(10, TimeUnit.SECONDS).stream().filter(s -> s.name().startsWith("kept"))
                    .map(ProcessSnapshot::pid).collect(Collectors.toSet());
            for (int round = 0; round < ROUNDS; round++) {
                // Posted back to back: the reload removes them while their launches are in flight.
                var started = e.engine.start(goneNames);
                var removed = e.engine.reload(RealEngine.config(tmp, base));
                started.get(20, TimeUnit.SECONDS);
                removed.get(30, TimeUnit.SECONDS);
                List<ProcessSnapshot> now = e.engine.snapshot().get(10, TimeUnit.SECONDS);
                assertThat(now).extracting(ProcessSnapshot::name).allSatisfy(n -> assertThat(n).startsWith("kept"));
                Set<Integer> spawnedGone = spawned(e);
                spawnedGone.removeAll(kept);
                noneAlive(spawnedGone);
                // The others were not touched.
                assertThat(now).extracting(ProcessSnapshot::pid).containsExactlyInAnyOrderElementsOf(kept);
                kept.forEach(pid -> assertThat(Procs.alive(pid)).as("kept pid %d", pid).isTrue());
                e.engine.reload(RealEngine.config(tmp, base + gone)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aShutdownWithLaunchesInFlightLeavesNoProcessBehind() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            Set<Integer> pids;
            try (RealEngine e = new RealEngine(tmp, programs("p", false) + "  later: {cmd: \"/bin/sleep 1000\", priority: 1000, autostart: false}\n")) {
                List<String> all = e.engine.snapshot().get(10, TimeUnit.SECONDS).stream().map(ProcessSnapshot::name).toList();
                var started = e.engine.start(all);
                // Posted right behind the start: the launches of the first priority are in flight.
                e.engine.shutdown("round " + round).get(30, TimeUnit.SECONDS);
                started.get(20, TimeUnit.SECONDS);
                List<ProcessSnapshot> after = e.engine.snapshot().get(10, TimeUnit.SECONDS);
                assertThat(after).as("round %d", round).allSatisfy(s -> assertThat(s.state().isDown()).as(s.name()).isTrue());
                pids = spawned(e);
            }
            noneAlive(pids);
        }
    }

    @Test
    void aProgramThatExitsAtOnceIsRespawnedAgainAndAgain() throws Exception {
        // Its exit often reaches the engine before the result of its launch: it must not be lost.
        try (RealEngine e = new RealEngine(tmp, "programs:\n  quick: {cmd: /bin/true, starttime: 0, autorestart: always,"
                + " backoff: {reset_after: 0s}}\n")) {
            e.until("200 respawns", all -> all.getFirst().restartCount() >= 200);
        }
    }
}
