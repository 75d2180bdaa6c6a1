package dev.taskmaster.server.engine;

import java.time.Instant;

/** Time for the engine: a monotonic clock for durations, a wall clock for display. Thread-safe. */
public interface EngineClock {

    /** Monotonic nanoseconds, for measuring how long something took. */
    long nanoTime();

    /** Wall-clock time, for timestamps people read. */
    Instant now();

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
