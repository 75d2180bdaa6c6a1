package dev.taskmaster.server.daemon;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigError;
import dev.taskmaster.config.ConfigException;
import dev.taskmaster.config.ConfigLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads configuration files on a thread of its own, one read at a time, each within a
 * deadline. Reading is disk work that can block: it must never hold a thread the API, the
 * engine or the signal loop needs (a reload that read on the shared pool once left
 * {@code status} unanswered for as long as the read was stuck). The loader refuses FIFOs and
 * devices before opening them, but a file swapped for a FIFO after that check, or a file
 * system that stops answering, can still block a read; past the deadline the read is given up
 * with a clear error, and the stuck thread is left behind so that later reads get a fresh one.
 * Thread-safe.
 */
final class ConfigReader {

    private static final Logger log = LoggerFactory.getLogger(ConfigReader.class);
    /** How long reading a configuration (and the files a reload reads again) may take. */
    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** Deep include chains recurse; the daemon's threads are given small stacks (-Xss512k). */
    private static final long STACK_BYTES = 16L << 20;
    /** Stuck reads after which no new one is tried (each holds a thread with a {@link #STACK_BYTES} stack). */
    static final int MAX_STUCK = 4;

    private final Duration deadline;
    /** The reading thread; replaced when a read overruns its deadline. Guarded by this. */
    private ExecutorService thread;
    private int threads;
    /** Executors left behind by {@link #abandon}, each with a thread still stuck in a read; guarded by this. */
    private final List<ExecutorService> abandoned = new java.util.ArrayList<>();

    ConfigReader() {
        this(DEADLINE);
    }

    ConfigReader(Duration deadline) {
        this.deadline = deadline;
    }

    /** Loads {@code file} and its includes; fails with a {@link ConfigException} when invalid or past the deadline. */
    CompletableFuture<Config> load(Path file) {
        return read(file, () -> ConfigLoader.load(file));
    }

    /**
     * Runs {@code read} on the reading thread. It completes as {@code read} does, or, past the
     * deadline, fails with a {@link ConfigException} saying that reading {@code file} did not end.
     */
    <T> CompletableFuture<T> read(Path file, Callable<T> read) {
        int stuck = stuckThreads();
        if (stuck >= MAX_STUCK) {
            // Each abandoned read keeps its thread: a SIGHUP from cron against a dead mount must
            // not add one per minute for ever.
            return CompletableFuture.failedFuture(new ConfigException(List.of(new ConfigError(file, 0, 0, "",
                    "cannot read: " + stuck + " earlier reads of the configuration are still stuck (a FIFO, or a file"
                            + " system that does not answer); no other is tried until one of them ends"))));
        }
        CompletableFuture<ExecutorService> started = new CompletableFuture<>();
        CompletableFuture<T> result = new CompletableFuture<>();
        executor().execute(() -> {
            started.complete(current());
            try {
                result.complete(read.call());
            } catch (Throwable e) {
                // An OutOfMemoryError included: it fails this read, and is said, rather than lost.
                result.completeExceptionally(e);
            }
        });
        // The deadline runs from the start of this read, not from the end of those queued before
        // it (200 SIGHUPs queue 200 reads). orTimeout fires on the JDK's delay thread, which only
        // runs the small handler below.
        return started.thenCompose(executor -> result.orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionallyCompose(error -> timedOut(file, executor, error)));
    }

    private <T> CompletableFuture<T> timedOut(Path file, ExecutorService executor, Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (!(cause instanceof TimeoutException)) {
            return CompletableFuture.failedFuture(cause);
        }
        abandon(executor);
        return CompletableFuture.failedFuture(new ConfigException(List.of(new ConfigError(file, 0, 0, "",
                "cannot read: reading the configuration did not end within " + seconds(deadline) + "; a file it names"
                        + " may have become a FIFO, or be on a file system that does not answer"))));
    }

    /**
     * Waits for {@link #load} on the calling thread, for the command line: the main thread may
     * wait, since nothing else is served yet.
     */
    Config loadNow(Path file) throws ConfigException {
        try {
            return load(file).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException(List.of(new ConfigError(file, 0, 0, "", "cannot read: interrupted")));
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ConfigException ce) {
                throw ce;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("reading " + file + " failed: " + e.getCause(), e.getCause());
        }
    }

    private synchronized ExecutorService executor() {
        if (thread == null) {
            String name = "config-reader" + (threads++ == 0 ? "" : "-" + threads);
            thread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name(name).daemon(true)
                    .stackSize(STACK_BYTES).unstarted(r));
        }
        return thread;
    }

    /** {@code 10 s}, {@code 0.5 s}. */
    private static String seconds(Duration d) {
        return java.math.BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + " s";
    }

    /** Abandoned readers whose read has still not ended. */
    private synchronized int stuckThreads() {
        abandoned.removeIf(ExecutorService::isTerminated);
        return abandoned.size();
    }

    private synchronized ExecutorService current() {
        return thread;
    }

    /**
     * Leaves a stuck thread behind (interrupted, in case it can notice); the reads queued behind
     * it move to a fresh thread.
     */
    private synchronized void abandon(ExecutorService stuck) {
        if (thread == stuck) {
            thread = null;
            abandoned.add(stuck);
            List<Runnable> queued = stuck.shutdownNow();
            log.warn("reading the configuration did not end within {}; its thread is left behind, and {} read(s)"
                    + " queued behind it go to a new one", seconds(deadline), queued.size());
            ExecutorService fresh = executor();
            queued.forEach(fresh::execute);
        }
    }
}
