package dev.taskmaster.config;

import java.time.Duration;

/**
 * Delay between failed start attempts: {@code initial × factor^(attempt-1)}, capped at {@code max};
 * the same delays between restarts of a process that keeps crashing soon after it started.
 *
 * @param initial    delay before the first retry
 * @param factor     growth per further retry, at least 1
 * @param max        the cap
 * @param resetAfter a run at least this long is not part of a crash loop: the next restart after
 *                   it is immediate, and the delays start over; zero = restarts after RUNNING
 *                   are never delayed
 */
public record Backoff(Duration initial, double factor, Duration max, Duration resetAfter) {

    /** Default of {@code backoff.reset_after}. */
    public static final Duration DEFAULT_RESET_AFTER = Duration.ofSeconds(60);
    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30),
            DEFAULT_RESET_AFTER);

    /** With the default {@code reset_after}. */
    public Backoff(Duration initial, double factor, Duration max) {
        this(initial, factor, max, DEFAULT_RESET_AFTER);
    }

    /** The delay before retry number {@code attempt} (1 for the first retry). */
    public Duration delay(int attempt) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
        }
        double nanos = initial.toNanos() * Math.pow(factor, attempt - 1);
        // Compare as doubles first: the product can exceed what a long holds.
        return nanos >= max.toNanos() ? max : Duration.ofNanos((long) nanos);
    }
}
