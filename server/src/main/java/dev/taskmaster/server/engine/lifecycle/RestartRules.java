package dev.taskmaster.server.engine.lifecycle;

import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.config.RestartPolicy;
import java.time.Duration;
import java.util.Locale;

/**
 * The restart policy of a process as one pure function: how the last run ended, the program's
 * settings and what was counted so far give what to do next. No clock, no state, no engine:
 * every rule is tested on its own ({@code RestartRulesTest}), and the supervisor only carries out
 * the answer. Thread-safe (stateless).
 */
public final class RestartRules {

    private RestartRules() {
    }

    /**
     * @param end                how the run ended
     * @param program            the program's settings (autorestart, startretries, backoff)
     * @param counters           what was counted before this end
     * @param autorestartEnabled false once the daemon is stopping, or the process is being removed
     */
    public static RestartDecision decide(RunEnd end, ProgramSpec program, RestartCounters counters,
            boolean autorestartEnabled) {
        return switch (end.kind()) {
            case FAILED_START -> failedStart(program, counters, autorestartEnabled);
            case EXITED -> exited(end, program, counters, autorestartEnabled);
            case UNHEALTHY -> autorestartEnabled ? new RestartDecision.Now("restarted (unhealthy)", counters)
                    : new RestartDecision.Stay(counters);
        };
    }

    private static RestartDecision failedStart(ProgramSpec p, RestartCounters counters, boolean enabled) {
        int failures = counters.startFailures() + 1;
        RestartCounters next = new RestartCounters(failures);
        if (!enabled) {
            return new RestartDecision.GiveUp("not retried: the daemon is stopping", next);
        }
        int retries = p.startretries();
        if (retries >= 0 && failures > retries) {
            return new RestartDecision.GiveUp("gave up after " + failures + " failed start" + (failures == 1 ? "" : "s"), next);
        }
        Duration delay = p.backoff().delay(failures);
        return new RestartDecision.After(delay, "retry " + failures + (retries < 0 ? "" : " of " + retries) + " in "
                + seconds(delay), next);
    }

    private static RestartDecision exited(RunEnd end, ProgramSpec p, RestartCounters counters, boolean enabled) {
        if (!enabled || !restarts(p.autorestart(), end.expected())) {
            return new RestartDecision.Stay(counters);
        }
        return new RestartDecision.Now("restarted (autorestart " + p.autorestart().name().toLowerCase(Locale.ROOT) + ")",
                counters.started());
    }

    private static boolean restarts(RestartPolicy policy, boolean expected) {
        return switch (policy) {
            case ALWAYS -> true;
            case NEVER -> false;
            case UNEXPECTED -> !expected;
        };
    }

    /** {@code 2 s}, {@code 0.250 s}: how durations read in reasons. */
    public static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.3f s", ms / 1000.0);
    }
}
