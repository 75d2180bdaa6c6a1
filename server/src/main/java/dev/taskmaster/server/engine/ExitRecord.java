package dev.taskmaster.server.engine;

import java.time.Duration;
import java.time.Instant;

/**
 * The end of one process (or one failed spawn).
 *
 * @param outcome  how it ended
 * @param expected an exit code in {@code exitcodes}, or the end of a requested stop
 * @param pid      its pid; 0 for a failed spawn
 * @param time     when the end was observed
 * @param runTime  how long it ran; zero for a failed spawn
 */
public record ExitRecord(ExitOutcome outcome, boolean expected, int pid, Instant time, Duration runTime) {

    /** {@code exited with code 3 (unexpected)}. */
    public String describe() {
        // An unknown end is neither expected nor not: nothing says which (it still restarts under "unexpected").
        return outcome.describe() + (outcome instanceof ExitOutcome.SpawnFailed || outcome instanceof ExitOutcome.Unknown ? ""
                : expected ? " (expected)" : " (unexpected)");
    }
}
