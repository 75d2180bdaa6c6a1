package dev.taskmaster.server.engine.lifecycle;

/**
 * What the restart rules remember between runs of one process. Immutable; the supervisor keeps
 * the current value and replaces it with the one each {@link RestartDecision} carries.
 *
 * @param startFailures failed starts in a row (compared with {@code startretries})
 * @param shortRuns     runs in a row that ended, after RUNNING, sooner than {@code backoff.reset_after}: a crash loop
 * @param restarts      automatic starts in a row (restarts and retries; compared with {@code max_restarts})
 */
public record RestartCounters(int startFailures, int shortRuns, int restarts) {

    /** Nothing remembered: a process started by command, or never started. */
    public static final RestartCounters NONE = new RestartCounters(0, 0, 0);

    /** The process reached RUNNING: its start sequence succeeded (a crash loop goes on until a long run). */
    public RestartCounters started() {
        return new RestartCounters(0, shortRuns, restarts);
    }
}
