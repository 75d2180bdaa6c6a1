package dev.taskmaster.server.engine.lifecycle;

/**
 * What the restart rules remember between runs of one process. Immutable; the supervisor keeps
 * the current value and replaces it with the one each {@link RestartDecision} carries.
 *
 * @param startFailures failed starts in a row (compared with {@code startretries})
 */
public record RestartCounters(int startFailures) {

    /** Nothing remembered: a process started by command, or never started. */
    public static final RestartCounters NONE = new RestartCounters(0);

    /** The process reached RUNNING: its start sequence succeeded. */
    public RestartCounters started() {
        return new RestartCounters(0);
    }
}
