package dev.taskmaster.server.engine;

import static dev.taskmaster.server.engine.ProcessState.BACKOFF;
import static dev.taskmaster.server.engine.ProcessState.FATAL;
import static dev.taskmaster.server.engine.ProcessState.RUNNING;
import static dev.taskmaster.server.engine.ProcessState.STOPPED;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Crash loops in the engine on the manual clock: restarts after RUNNING back off, reset, and end in FATAL at max_restarts. */
class CrashLoopTest {

    @TempDir
    Path tmp;
    EngineHarness h;

    @BeforeEach
    void setUp() {
        h = new EngineHarness(tmp);
    }

    /** Lets the current process run for {@code seconds}, then crash; returns how long until the next one was spawned. */
    private Duration crashAfter(long seconds) {
        h.clock.advance(Duration.ofSeconds(seconds));
        int launches = h.launcher.launches.size();
        Duration crashedAt = h.clock.elapsed();
        h.launcher.last("a").exit(new ExitOutcome.Exited(1));
        h.clock.runReady();
        for (int waited = 0; h.launcher.launches.size() == launches && waited < 600; waited++) {
            if (h.stateOf("a") == FATAL) {
                return null;
            }
            h.clock.advance(Duration.ofMillis(100));
        }
        return h.launcher.last("a").at.minus(crashedAt);
    }

    private static final String LOOP = """
            programs:
              a:
                cmd: x
                starttime: 1
                autorestart: always
                backoff: {initial: 1s, factor: 2, max: 8s, reset_after: 60s}
            """;

    @Test
    void restartsAfterShortRunsBackOffAndALongRunResetsThem() {
        h.start(LOOP);
        List<Duration> delays = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            delays.add(crashAfter(5));
        }
        assertThat(delays).containsExactly(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(8), Duration.ofSeconds(8));
        assertThat(crashAfter(60)).as("after a run of reset_after: at once").isEqualTo(Duration.ZERO);
        assertThat(crashAfter(5)).as("a first short run again").isEqualTo(Duration.ZERO);
        assertThat(crashAfter(5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(h.transitions("a")).contains("EXITED>BACKOFF", "BACKOFF>STARTING");
        EngineEvent.StateChanged backoff = (EngineEvent.StateChanged) h.journal.since(0).stream()
                .filter(e -> e instanceof EngineEvent.StateChanged c && c.to() == BACKOFF).findFirst().orElseThrow();
        assertThat(backoff.reason()).isEqualTo("exited with code 1 (unexpected); crash loop: 2 runs in a row shorter than"
                + " reset_after (60 s); restart in 1 s");
        assertThat(backoff.after().nextStart()).contains(backoff.time().plusSeconds(1));
    }

    @Test
    void aStopDuringTheDelayLeavesItStoppedAndAStartStartsItNow() {
        h.start(LOOP);
        crashAfter(5);
        h.clock.advance(Duration.ofSeconds(5));
        h.launcher.last("a").exit(new ExitOutcome.Exited(1));
        h.clock.runReady();
        assertThat(h.stateOf("a")).isEqualTo(BACKOFF);
        h.clock.await(h.engine.stop(List.of("a")));
        assertThat(h.stateOf("a")).isEqualTo(STOPPED);
        h.clock.advance(Duration.ofMinutes(1));
        assertThat(h.launcher.of("a")).hasSize(2);
        h.clock.await(h.engine.start(List.of("a")));
        assertThat(h.launcher.of("a")).hasSize(3);
        h.clock.advance(Duration.ofSeconds(5));
        assertThat(h.stateOf("a")).isEqualTo(RUNNING);
        assertThat(crashAfter(0)).as("a start by command starts the count over").isEqualTo(Duration.ZERO);
    }

    @Test
    void maxRestartsMakesItFatalWithAReasonThatSaysSo() {
        h.start("""
                programs:
                  a:
                    cmd: x
                    starttime: 1
                    autorestart: always
                    max_restarts: 3
                """);
        assertThat(crashAfter(120)).isEqualTo(Duration.ZERO);
        assertThat(crashAfter(5)).isEqualTo(Duration.ZERO);
        assertThat(crashAfter(5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(crashAfter(5)).as("the fourth restart in a row is not made").isNull();
        assertThat(h.stateOf("a")).isEqualTo(FATAL);
        EngineEvent.StateChanged fatal = (EngineEvent.StateChanged) h.journal.since(0).stream()
                .filter(e -> e instanceof EngineEvent.StateChanged c && c.to() == FATAL).findFirst().orElseThrow();
        assertThat(fatal.reason()).isEqualTo("gave up after 3 restarts in a row (max_restarts 3)");
        assertThat(h.transitions("a").subList(h.transitions("a").size() - 3, h.transitions("a").size()))
                .containsExactly("RUNNING>EXITED", "EXITED>BACKOFF", "BACKOFF>FATAL");
        assertThat(h.state("a").restartCount()).isEqualTo(3);
    }
}
