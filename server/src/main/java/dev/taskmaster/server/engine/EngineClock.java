package dev.taskmaster.server.engine;

import java.time.Instant;

/** Time for the engine: a monotonic clock for durations, a wall clock for display. Thread-safe. */
public interface EngineClock {

    /** Monotonic nanoseconds, for measuring how long something took. */
    long nanoTime();

    /** Wall-clock time, for timestamps people read. */
    Instant now();

    /** The time zone cron schedules are read in: the daemon's own (the {@code TZ} it started with). */
    default java.time.ZoneId zone() {
        return java.time.ZoneId.systemDefault();
    }

    EngineClock SYSTEM = new EngineClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return Instant.now();
        }
    };
}
