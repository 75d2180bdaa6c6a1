package dev.taskmaster.server.engine;

import java.time.Duration;

/**
 * The engine's single thread: tasks and timers run on it one at a time, in order. That is the
 * one writer of all process state. Implementations are thread-safe for submitting.
 */
public interface EngineScheduler {

    /** Runs {@code task} on the engine thread, after the tasks already submitted. */
    void execute(Runnable task);

    /** Runs {@code task} on the engine thread after {@code delay}, unless cancelled first. */
    Cancellable schedule(Duration delay, Runnable task);

    /** A pending timer. */
    @FunctionalInterface
    interface Cancellable {
        /** Prevents the task from running if it has not started; harmless afterwards. */
        void cancel();
    }
}
