package dev.taskmaster.server.notify;

import java.time.Duration;

/**
 * Delay before retry number {@code n} (from 1): {@code initial × 2^(n-1)}, capped at {@code max}.
 * Immutable.
 */
public record RetryPolicy(Duration initial, Duration max) {

    /** 1 s, 2 s, 4 s … 60 s: ten retries cover about five minutes of a receiver being down. */
    public static final RetryPolicy DEFAULT = new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(60));

    Duration delay(int retry) {
        long nanos = initial.toNanos() << Math.min(retry - 1, 30);
        return nanos <= 0 || nanos >= max.toNanos() ? max : Duration.ofNanos(nanos);
    }
}
