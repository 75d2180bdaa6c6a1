package dev.taskmaster.server.daemon;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.config.ConfigError;
import dev.taskmaster.config.ConfigException;
import dev.taskmaster.server.api.DaemonControl;
import dev.taskmaster.server.engine.ConfigChange;
import dev.taskmaster.server.engine.Engine;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path of every change of the configuration: reload of the file (API or SIGHUP),
 * AddProgram, UpdateProgram, RemoveProgram. Changes run one after the other, in the order they
 * were asked for; each starts once the one before is over (its processes stopped and started)
 * and is computed from the configuration that one left. Without this, a reload and an
 * AddProgram racing each other were both computed from the same old configuration and both
 * answered "applied", the second undoing the first (the old command stayed running).
 *
 * <p>A reload makes the daemon run exactly what the file says: programs added at runtime are
 * removed, settings updated at runtime go back to the file's, programs removed at runtime that
 * the file has come back (as the contract's AddProgram says, and as supervisord's {@code update}
 * does: the file is the truth). Thread-safe; the steps run on virtual threads of their own,
 * never on the engine's thread.
 */
public final class ConfigChanges {

    private static final Logger log = LoggerFactory.getLogger(ConfigChanges.class);
    private static final Executor STEPS = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("config-change-", 0).factory());

    /** Reads the configuration file, off the caller's thread, within a deadline; fails with a ConfigException. */
    @FunctionalInterface
    public interface Reader {
        CompletableFuture<Config> read(Path file, boolean validateOnly);
    }

    private final Engine engine;
    private final Reader reader;
    private final Consumer<Config> applied;
    /** The configuration the last change left; written by the steps only, one at a time. */
    private volatile Config current;
    /** The last change asked for; guarded by this. */
    private CompletableFuture<?> last = CompletableFuture.completedFuture(null);

    /**
     * @param initial  the configuration the daemon started with
     * @param applied  told each configuration once it is the running one (the daemon publishes it)
     */
    public ConfigChanges(Engine engine, Config initial, Reader reader, Consumer<Config> applied) {
        this.engine = engine;
        this.current = initial;
        this.reader = reader;
        this.applied = applied;
    }

    /** The configuration in force once the last change was applied. */
    public Config current() {
        return current;
    }

    /** See {@link DaemonControl#change}. */
    public <T> CompletableFuture<T> change(DaemonControl.Step<T> step) {
        CompletableFuture<T> next;
        synchronized (this) {
            next = last.handle((r, e) -> null).thenComposeAsync(x -> {
                boolean[] used = new boolean[1];
                try {
                    return step.run(current, (config, why) -> {
                        if (used[0]) {
                            throw new IllegalStateException("a change step applies one configuration");
                        }
                        used[0] = true;
                        return apply(config, why);
                    });
                } catch (RuntimeException e) {
                    return CompletableFuture.failedFuture(e);
                }
            }, STEPS);
            last = next;
        }
        return next;
    }

    private CompletableFuture<ConfigDiff> apply(Config next, ConfigChange why) {
        return engine.reload(next, why).handle((diff, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                // The engine refuses every change once a shutdown has begun: the contract's UNAVAILABLE.
                throw cause instanceof IllegalStateException && String.valueOf(cause.getMessage()).contains("shutting down")
                        ? Status.UNAVAILABLE.withDescription("taskmasterd is shutting down; the configuration was not changed")
                                .asRuntimeException()
                        : error instanceof CompletionException ce ? ce : new CompletionException(cause);
            }
            current = next;
            applied.accept(next);
            return diff;
        });
    }

    /** See {@link DaemonControl#reload}: one step of {@link #change}. */
    public CompletableFuture<DaemonControl.ReloadOutcome> reload(boolean validateOnly, String requestedBy) {
        return change((config, apply) -> {
            Path source = config.source();
            return reader.read(source, validateOnly).thenCompose(next -> {
                if (validateOnly) {
                    return CompletableFuture.completedFuture(new DaemonControl.ReloadOutcome(false, List.of(),
                            Optional.of(ConfigDiff.between(config, next)), next.source()));
                }
                return apply.apply(next, ConfigChange.reload(requestedBy))
                        .thenApply(diff -> new DaemonControl.ReloadOutcome(true, List.of(), Optional.of(diff), next.source()));
            }).exceptionallyCompose(error -> {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                if (cause instanceof ConfigException ce) {
                    if (!validateOnly) {
                        engine.reloadRejected(ce.errors());
                    }
                    Optional<ConfigError> unreadable = unreadable(source, ce.errors());
                    if (unreadable.isPresent()) {
                        // The contract's FAILED_PRECONDITION: there is no file to validate, so nothing to locate.
                        return CompletableFuture.failedFuture(Status.FAILED_PRECONDITION.withDescription(
                                source + ": " + unreadable.get().message() + "; nothing was changed").asRuntimeException());
                    }
                    return CompletableFuture.<DaemonControl.ReloadOutcome>completedFuture(new DaemonControl.ReloadOutcome(false, ce.errors(), Optional.empty(), source));
                }
                // Said here, since a reload on SIGHUP has no caller to tell.
                log.error("reloading {} failed: {}", source, cause.toString());
                return CompletableFuture.failedFuture(cause);
            });
        });
    }

    /**
     * The error saying that the main file itself cannot be read (deleted, not a regular file, a
     * read that did not end), if that is the only one: the loader reports it at line 0 of the file.
     */
    private static Optional<ConfigError> unreadable(Path source, List<ConfigError> errors) {
        if (errors.size() != 1) {
            return Optional.empty();
        }
        ConfigError e = errors.getFirst();
        return e.file().equals(source) && e.line() == 0 && e.message().startsWith("cannot read")
                ? Optional.of(e) : Optional.empty();
    }
}
