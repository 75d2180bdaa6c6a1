package dev.taskmaster.server.engine.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.ProgramSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The restart rules alone: no engine, no clock; each answer follows from its inputs only. */
class RestartRulesTest {

    @TempDir
    Path tmp;

    private ProgramSpec program(String settings) throws Exception {
        Path f = Files.writeString(tmp.resolve("c.yaml"), "programs:\n  a:\n    cmd: x\n"
                + settings.indent(4));
        return ConfigLoader.load(f, Map.of()).programs().getFirst();
    }

    private static RestartDecision failAfter(ProgramSpec p, int failuresBefore) {
        return RestartRules.decide(RunEnd.failedStart(Duration.ZERO), p, new RestartCounters(failuresBefore), true);
    }

    @Test
    void failedStartsBackOffThenGiveUpAfterStartretries() throws Exception {
        ProgramSpec p = program("startretries: 3\nbackoff: {initial: 1s, factor: 2, max: 3s}");
        assertThat(failAfter(p, 0)).isEqualTo(new RestartDecision.After(Duration.ofSeconds(1), "retry 1 of 3 in 1 s",
                new RestartCounters(1)));
        assertThat(((RestartDecision.After) failAfter(p, 1)).delay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(((RestartDecision.After) failAfter(p, 2)).delay()).as("capped at max").isEqualTo(Duration.ofSeconds(3));
        assertThat(failAfter(p, 3)).isEqualTo(new RestartDecision.GiveUp("gave up after 4 failed starts", new RestartCounters(4)));
    }

    @Test
    void startretriesZeroGivesUpAtTheFirstFailureAndMinusOneNever() throws Exception {
        assertThat(failAfter(program("startretries: 0"), 0))
                .isEqualTo(new RestartDecision.GiveUp("gave up after 1 failed start", new RestartCounters(1)));
        assertThat(failAfter(program("startretries: -1"), 10_000)).isInstanceOf(RestartDecision.After.class);
    }

    @Test
    void nothingIsRetriedWhileTheDaemonStops() throws Exception {
        assertThat(RestartRules.decide(RunEnd.failedStart(Duration.ZERO), program(""), RestartCounters.NONE, false))
                .isEqualTo(new RestartDecision.GiveUp("not retried: the daemon is stopping", new RestartCounters(1)));
        assertThat(RestartRules.decide(RunEnd.exited(false, Duration.ofHours(1)), program("autorestart: always"),
                RestartCounters.NONE, false)).isInstanceOf(RestartDecision.Stay.class);
    }

    @Test
    void autorestartDecidesAfterAnExitFromRunning() throws Exception {
        Duration longRun = Duration.ofHours(1);
        assertThat(RestartRules.decide(RunEnd.exited(true, longRun), program("autorestart: always"), RestartCounters.NONE,
                true)).isEqualTo(new RestartDecision.Now("restarted (autorestart always)", RestartCounters.NONE));
        assertThat(RestartRules.decide(RunEnd.exited(false, longRun), program("autorestart: never"), RestartCounters.NONE,
                true)).isInstanceOf(RestartDecision.Stay.class);
        assertThat(RestartRules.decide(RunEnd.exited(true, longRun), program("autorestart: unexpected"),
                RestartCounters.NONE, true)).isInstanceOf(RestartDecision.Stay.class);
        assertThat(RestartRules.decide(RunEnd.exited(false, longRun), program("autorestart: unexpected"),
                RestartCounters.NONE, true)).isInstanceOf(RestartDecision.Now.class);
    }
}
