package dev.taskmaster.server.api;

import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.config.ConfigError;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** What the API may ask of the daemon itself. Implementations are thread-safe. */
public interface DaemonControl {

    /** Reads the configuration file again; applies it unless {@code validateOnly} or it is invalid. */
    CompletableFuture<ReloadOutcome> reload(boolean validateOnly);

    /** Makes {@code next} the running configuration (as a reload would); completes with what changed. */
    CompletableFuture<ConfigDiff> apply(dev.taskmaster.config.Config next);

    /** Begins an orderly shutdown (as SIGTERM does) and returns at once. */
    void shutdown(String reason);

    /**
     * @param applied whether the running configuration changed
     * @param errors  every problem of an invalid file (then nothing was applied)
     * @param diff    what changed, or would change with {@code validateOnly}; empty when invalid
     * @param path    the file that was read
     */
    record ReloadOutcome(boolean applied, List<ConfigError> errors, Optional<ConfigDiff> diff, Path path) {
    }
}
