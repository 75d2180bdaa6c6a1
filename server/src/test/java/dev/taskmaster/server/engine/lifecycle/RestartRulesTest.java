package dev.taskmaster.server.engine.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.taskmaster.config.ConfigLoader;
import dev.taskmaster.config.ProgramSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
        return RestartRules.decide(RunEnd.failedStart(Duration.ZERO), p, new RestartCounters(failuresBefore, 0,
                failuresBefore), true);
    }

    /** The decisions for runs of these lengths, one after the other, each unexpected exit restarted. */
    private static List<RestartDecision> runs(ProgramSpec p, Duration... lengths) {
        List<RestartDecision> out = new ArrayList<>();
        RestartCounters c = RestartCounters.NONE;
        for (Duration d : lengths) {
            RestartDecision decision = RestartRules.decide(RunEnd.exited(false, d), p, c.started(), true);
            out.add(decision);
            c = decision.counters();
        }
        return out;
    }

    private static Duration s(long seconds) {
        return Duration.ofSeconds(seconds);
    }

    @Test
    void failedStartsBackOffThenGiveUpAfterStartretries() throws Exception {
        ProgramSpec p = program("startretries: 3\nbackoff: {initial: 1s, factor: 2, max: 3s}");
        assertThat(failAfter(p, 0)).isEqualTo(new RestartDecision.After(s(1), "retry 1 of 3 in 1 s",
                new RestartCounters(1, 0, 1)));
        assertThat(((RestartDecision.After) failAfter(p, 1)).delay()).isEqualTo(s(2));
        assertThat(((RestartDecision.After) failAfter(p, 2)).delay()).as("capped at max").isEqualTo(s(3));
        assertThat(failAfter(p, 3)).isEqualTo(new RestartDecision.GiveUp("gave up after 4 failed starts",
                new RestartCounters(4, 0, 3)));
    }

    @Test
    void startretriesZeroGivesUpAtTheFirstFailureAndMinusOneNever() throws Exception {
        assertThat(failAfter(program("startretries: 0"), 0))
                .isEqualTo(new RestartDecision.GiveUp("gave up after 1 failed start", new RestartCounters(1, 0, 0)));
        assertThat(failAfter(program("startretries: -1"), 10_000)).isInstanceOf(RestartDecision.After.class);
    }

    @Test
    void nothingIsRetriedWhileTheDaemonStops() throws Exception {
        assertThat(RestartRules.decide(RunEnd.failedStart(Duration.ZERO), program(""), RestartCounters.NONE, false))
                .isEqualTo(new RestartDecision.GiveUp("not retried: the daemon is stopping", new RestartCounters(1, 0, 0)));
        assertThat(RestartRules.decide(RunEnd.exited(false, Duration.ofHours(1)), program("autorestart: always"),
                RestartCounters.NONE, false)).isInstanceOf(RestartDecision.Stay.class);
        assertThat(RestartRules.decide(RunEnd.unhealthy(Duration.ofHours(1)), program(""), RestartCounters.NONE, false))
                .isInstanceOf(RestartDecision.Stay.class);
    }

    @Test
    void autorestartDecidesAfterAnExitFromRunning() throws Exception {
        Duration longRun = Duration.ofHours(1);
        assertThat(RestartRules.decide(RunEnd.exited(true, longRun), program("autorestart: always"), RestartCounters.NONE,
                true)).isEqualTo(new RestartDecision.Now("restarted (autorestart always)", new RestartCounters(0, 0, 1)));
        assertThat(RestartRules.decide(RunEnd.exited(false, longRun), program("autorestart: never"), RestartCounters.NONE,
                true)).isInstanceOf(RestartDecision.Stay.class);
        assertThat(RestartRules.decide(RunEnd.exited(true, longRun), program("autorestart: unexpected"),
                RestartCounters.NONE, true)).isInstanceOf(RestartDecision.Stay.class);
        assertThat(RestartRules.decide(RunEnd.exited(false, longRun), program("autorestart: unexpected"),
                RestartCounters.NONE, true)).isInstanceOf(RestartDecision.Now.class);
    }

    @Test
    void aCrashLoopBacksOffExponentiallyUpToMax() throws Exception {
        ProgramSpec p = program("backoff: {initial: 1s, factor: 2, max: 5s, reset_after: 60s}");
        List<RestartDecision> d = runs(p, s(5), s(5), s(5), s(5), s(5), s(5));
        assertThat(d.getFirst()).as("the first short run is restarted at once").isInstanceOf(RestartDecision.Now.class);
        assertThat(d.subList(1, 6)).extracting(x -> ((RestartDecision.After) x).delay())
                .containsExactly(s(1), s(2), s(4), s(5), s(5));
        assertThat(((RestartDecision.After) d.get(1)).note()).isEqualTo(
                "crash loop: 2 runs in a row shorter than reset_after (60 s); restart in 1 s");
    }

    @Test
    void aLongRunEndsTheLoop() throws Exception {
        ProgramSpec p = program("backoff: {initial: 1s, factor: 2, max: 30s, reset_after: 60s}");
        List<RestartDecision> d = runs(p, s(5), s(5), s(5), s(60), s(5), s(5));
        assertThat(d).extracting(x -> x instanceof RestartDecision.After a ? a.delay() : Duration.ZERO)
                .containsExactly(Duration.ZERO, s(1), s(2), Duration.ZERO, Duration.ZERO, s(1));
        assertThat(d.get(3).counters()).isEqualTo(new RestartCounters(0, 0, 1));
    }

    @Test
    void resetAfterZeroNeverDelaysARestart() throws Exception {
        ProgramSpec p = program("backoff: {reset_after: 0}");
        assertThat(runs(p, Duration.ZERO, Duration.ZERO, Duration.ZERO)).allMatch(x -> x instanceof RestartDecision.Now);
    }

    @Test
    void maxRestartsGivesUpWithAReasonThatSaysSo() throws Exception {
        ProgramSpec p = program("max_restarts: 2\nbackoff: {reset_after: 0}");
        List<RestartDecision> d = runs(p, s(1), s(1), s(1));
        assertThat(d.subList(0, 2)).allMatch(x -> x instanceof RestartDecision.Now);
        assertThat(d.get(2)).isEqualTo(new RestartDecision.GiveUp("gave up after 2 restarts in a row (max_restarts 2)",
                new RestartCounters(0, 0, 3)));
        assertThat(runs(program("max_restarts: 0"), s(1)).getFirst())
                .isEqualTo(new RestartDecision.GiveUp("gave up after 0 restarts in a row (max_restarts 0)",
                        new RestartCounters(0, 1, 1)));
    }

    @Test
    void maxRestartsCountsRetriesAndALongRunStartsTheCountOver() throws Exception {
        ProgramSpec p = program("max_restarts: 2\nstartretries: 10");
        assertThat(failAfter(p, 2)).as("a third retry would be a third automatic start")
                .isEqualTo(new RestartDecision.GiveUp("gave up after 2 restarts in a row (max_restarts 2)",
                        new RestartCounters(3, 0, 3)));
        List<RestartDecision> d = runs(p, s(1), s(1), Duration.ofMinutes(5), s(1));
        assertThat(d).extracting(x -> x.getClass().getSimpleName()).containsExactly("Now", "After", "Now", "Now");
    }

    @Test
    void anUnhealthyProcessIsRestartedWhateverAutorestartSays() throws Exception {
        ProgramSpec p = program("autorestart: never");
        assertThat(RestartRules.decide(RunEnd.unhealthy(Duration.ofHours(1)), p, RestartCounters.NONE, true))
                .isEqualTo(new RestartDecision.Now("restarted (unhealthy)", new RestartCounters(0, 0, 1)));
        RestartDecision second = RestartRules.decide(RunEnd.unhealthy(s(10)), p, new RestartCounters(0, 1, 1), true);
        assertThat(second).as("unhealthy again soon after: a crash loop").isInstanceOf(RestartDecision.After.class);
    }
}
