package dev.taskmaster.server.api;

import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.config.ConfigError;
import dev.taskmaster.server.engine.ConfigChange;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** What the API may ask of the daemon itself. Implementations are thread-safe. */
public interface DaemonControl {

    /**
     * Reads the configuration file again; applies it unless {@code validateOnly} or it is invalid.
     *
     * @param requestedBy the API caller who asked, for the events; empty = the daemon itself
     */
    CompletableFuture<ReloadOutcome> reload(boolean validateOnly, String requestedBy);

    /**
     * Makes {@code next} the running configuration (as a reload would); completes with what changed.
     *
     * @param change why, and at whose request, for the events
     */
    CompletableFuture<ConfigDiff> apply(dev.taskmaster.config.Config next, ConfigChange change);

    /**
     * Begins an orderly shutdown (as SIGTERM does) and returns at once.
     *
     * @param requestedBy the API caller who asked, for the events; empty = the daemon itself
     */
    void shutdown(String reason, String requestedBy);

    /**
     * @param applied whether the running configuration changed
     * @param errors  every problem of an invalid file (then nothing was applied)
     * @param diff    what changed, or would change with {@code validateOnly}; empty when invalid
     * @param path    the file that was read
     */
    record ReloadOutcome(boolean applied, List<ConfigError> errors, Optional<ConfigDiff> diff, Path path) {
    }
}
