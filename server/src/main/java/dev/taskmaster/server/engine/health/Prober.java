package dev.taskmaster.server.engine.health;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Runs health probes, off the engine thread. {@link #probe} may be called from any thread and
 * returns at once; the future completes on a thread of the prober's, normally (a probe that
 * cannot even run is a failed probe with the reason as its output), within about
 * {@code timeout}: a probe still running then is ended (a command is killed) and has failed.
 */
public interface Prober extends AutoCloseable {

    CompletableFuture<ProbeResult> probe(ProbeTarget target, Duration timeout);

    /** Ends the probes still running. */
    @Override
    default void close() {
    }
}
