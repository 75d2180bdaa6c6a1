package dev.taskmaster.server.engine.lifecycle;

import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.config.RestartPolicy;
import java.time.Duration;
import java.util.Locale;

/**
 * The restart policy of a process as one pure function: how the last run ended, the program's
 * settings and what was counted so far give what to do next. No clock, no state, no engine:
 * every rule is tested on its own ({@code RestartRulesTest}), and the supervisor only carries out
 * the answer. The rules are those of the table in docs/configuration.md, "Crash loops".
 * Thread-safe (stateless).
 */
public final class RestartRules {

    private RestartRules() {
    }

    /**
     * @param end                how the run ended
     * @param program            the program's settings (autorestart, startretries, backoff, max_restarts)
     * @param counters           what was counted before this end
     * @param autorestartEnabled false once the daemon is stopping, or the process is being removed
     */
    public static RestartDecision decide(RunEnd end, ProgramSpec program, RestartCounters counters,
            boolean autorestartEnabled) {
        return switch (end.kind()) {
            case FAILED_START -> failedStart(program, counters, autorestartEnabled);
            case EXITED -> autorestartEnabled && restarts(program.autorestart(), end.expected())
                    ? restartAfterRun(end, program, counters, "autorestart "
                            + program.autorestart().name().toLowerCase(Locale.ROOT))
                    : new RestartDecision.Stay(counters);
            case UNHEALTHY -> autorestartEnabled ? restartAfterRun(end, program, counters, "unhealthy")
                    : new RestartDecision.Stay(counters);
            // Started again unless the program is never to be restarted: it must not run on unheard.
            case OUTPUT_LOST -> autorestartEnabled && program.autorestart() != dev.taskmaster.config.RestartPolicy.NEVER
                    ? restartAfterRun(end, program, counters, "output lost")
                    : new RestartDecision.Stay(counters);
        };
    }

    private static RestartDecision failedStart(ProgramSpec p, RestartCounters counters, boolean enabled) {
        int failures = counters.startFailures() + 1;
        RestartCounters next = new RestartCounters(failures, counters.shortRuns(), counters.restarts());
        if (!enabled) {
            return new RestartDecision.GiveUp("not retried: the daemon is stopping", next);
        }
        int retries = p.startretries();
        if (retries >= 0 && failures > retries) {
            return new RestartDecision.GiveUp("gave up after " + failures + " failed start" + (failures == 1 ? "" : "s"), next);
        }
        next = new RestartCounters(failures, counters.shortRuns(), counters.restarts() + 1);
        if (tooMany(p, next)) {
            return giveUpOnRestarts(p, next);
        }
        Duration delay = p.backoff().delay(failures);
        return new RestartDecision.After(delay, "retry " + failures + (retries < 0 ? "" : " of " + retries) + " in "
                + seconds(delay), next);
    }

    /**
     * A run that reached RUNNING ended and is to be restarted: at once after a long run or the
     * first short one, after a growing delay for each further short run in a row.
     */
    private static RestartDecision restartAfterRun(RunEnd end, ProgramSpec p, RestartCounters counters, String why) {
        Duration resetAfter = p.backoff().resetAfter();
        RestartCounters next;
        if (resetAfter.isZero()) {
            // No crash-loop detection: never delayed, and max_restarts counts from the last start by command.
            next = new RestartCounters(0, 0, counters.restarts() + 1);
        } else if (end.ranFor().compareTo(resetAfter) >= 0) {
            next = new RestartCounters(0, 0, 1);
        } else {
            next = new RestartCounters(0, counters.shortRuns() + 1, counters.restarts() + 1);
        }
        if (tooMany(p, next)) {
            return giveUpOnRestarts(p, next);
        }
        if (next.shortRuns() <= 1) {
            return new RestartDecision.Now("restarted (" + why + ")", next);
        }
        Duration delay = p.backoff().delay(next.shortRuns() - 1);
        return new RestartDecision.After(delay, "crash loop: " + next.shortRuns() + " runs in a row shorter than"
                + " reset_after (" + seconds(resetAfter) + "); restart in " + seconds(delay), next);
    }

    private static boolean tooMany(ProgramSpec p, RestartCounters next) {
        return p.maxRestarts() >= 0 && next.restarts() > p.maxRestarts();
    }

    private static RestartDecision giveUpOnRestarts(ProgramSpec p, RestartCounters next) {
        int done = next.restarts() - 1;
        return new RestartDecision.GiveUp("gave up after " + done + " restart" + (done == 1 ? "" : "s")
                + " in a row (max_restarts " + p.maxRestarts() + ")", next);
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
