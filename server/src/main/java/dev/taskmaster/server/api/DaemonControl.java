package dev.taskmaster.server.api;

import dev.taskmaster.config.Config;
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
     * Serialized with every other change of the configuration (see {@link #change}).
     *
     * @param requestedBy the API caller who asked, for the events; empty = the daemon itself
     */
    CompletableFuture<ReloadOutcome> reload(boolean validateOnly, String requestedBy);

    /**
     * Runs {@code step} on the one path every change of the configuration takes (a reload of
     * the file, SIGHUP, AddProgram, UpdateProgram, RemoveProgram): once every change asked for
     * before it is over, with the configuration that change left, so that no change is computed
     * from a configuration another one has already replaced. The next change waits for the
     * future {@code step} returns.
     */
    <T> CompletableFuture<T> change(Step<T> step);

    /**
     * Begins an orderly shutdown (as SIGTERM does) and returns at once.
     *
     * @param requestedBy the API caller who asked, for the events; empty = the daemon itself
     */
    void shutdown(String reason, String requestedBy);

    /**
     * Checks that the daemon can re-execute itself (ReexecDaemon) and, if it can, queues the
     * re-exec to run once the answer is sent. Completes with {@link ReexecRefused} (a sentence)
     * when it cannot.
     *
     * @param requestedBy the API caller who asked, for the log
     */
    default CompletableFuture<ReexecAccepted> reexec(String requestedBy) {
        return CompletableFuture.failedFuture(new ReexecRefused("this daemon cannot re-execute itself"));
    }

    /**
     * Sends a test message through the notify rule {@code rule} (every rule when empty), once,
     * off the engine thread; completes with what became of each. Fails with
     * {@link IllegalArgumentException} (a sentence) when there is no such rule.
     */
    default CompletableFuture<List<dev.taskmaster.server.notify.Notifier.TestResult>> testNotification(Optional<String> rule) {
        return CompletableFuture.completedFuture(List.of());
    }

    /** A re-exec is under way: the daemon that answers is about to be replaced. */
    record ReexecAccepted(int pid, java.time.Instant startTime, long latestSequence) {
    }

    /** Why the daemon cannot re-execute itself now; nothing was changed. */
    final class ReexecRefused extends RuntimeException {
        public ReexecRefused(String why) {
            super(why);
        }
    }

    /** One change of the configuration; see {@link #change}. */
    @FunctionalInterface
    interface Step<T> {
        /**
         * @param current the configuration in force
         * @param apply   makes a new configuration the running one (at most once per step)
         */
        CompletableFuture<T> run(Config current, Apply apply);
    }

    /** Makes {@code next} the running configuration, as a reload would; completes with what changed. */
    @FunctionalInterface
    interface Apply {
        /** @param change why, and at whose request, for the events */
        CompletableFuture<ConfigDiff> apply(Config next, ConfigChange change);
    }

    /**
     * @param applied whether the running configuration changed
     * @param errors  every problem of an invalid file (then nothing was applied)
     * @param diff    what changed, or would change with {@code validateOnly}; empty when invalid
     * @param path    the file that was read
     */
    record ReloadOutcome(boolean applied, List<ConfigError> errors, Optional<ConfigDiff> diff, Path path) {
    }
}
