package dev.taskmaster.server.engine;

import java.time.Instant;

/**
 * Where the output side reports that a process's log writing stopped or resumed, to be
 * journaled like every other event. Called from the output pump thread or a retry thread;
 * never blocks (the event is appended on the engine thread, in the order of the calls).
 */
@FunctionalInterface
public interface LogWritingJournal {

    /** Journals the event {@code event} makes once its sequence number and time are known. */
    void record(Factory event);

    /** Makes the event once its sequence number and time are known. */
    @FunctionalInterface
    interface Factory {
        EngineEvent.LogWriting create(long sequence, Instant time);
    }
}
