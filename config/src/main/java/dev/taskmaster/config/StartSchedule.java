package dev.taskmaster.config;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * When the daemon starts a program by itself, beyond {@code autostart}: after a delay, or at
 * the times of a cron expression. Immutable. At most one of the two is set (the parser refuses
 * both: a cron program starts at its times).
 *
 * @param delay {@code start_delay}: how long an automatic start waits, SCHEDULED; zero = at once
 * @param cron  {@code cron}: when to start it, if it is not running; empty = no schedule
 */
public record StartSchedule(Duration delay, Optional<CronExpression> cron) {

    /** Neither: automatic starts happen at once. */
    public static final StartSchedule NONE = new StartSchedule(Duration.ZERO, Optional.empty());

    public StartSchedule {
        Objects.requireNonNull(delay);
        Objects.requireNonNull(cron);
        if (delay.isNegative()) {
            throw new IllegalArgumentException("start_delay must not be negative, was " + delay);
        }
    }

    /** Whether automatic starts are made otherwise than at once. */
    public boolean isSet() {
        return !delay.isZero() || cron.isPresent();
    }
}
