package dev.taskmaster.config;

import java.time.Duration;

/**
 * Delay between failed start attempts: {@code initial × factor^(attempt-1)}, capped at {@code max}.
 *
 * @param initial delay before the first retry
 * @param factor  growth per further retry, at least 1
 * @param max     the cap
 */
public record Backoff(Duration initial, double factor, Duration max) {

    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(30));

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
