package dev.taskmaster.server.output;

import dev.taskmaster.server.engine.EventLogger;
import dev.taskmaster.server.engine.LogWritingJournal;
import java.time.Instant;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the {@link LogWriter}s of every instance share: the one thread that tries again to write
 * logs that could not be written (started at the first failure, so a daemon whose disk never
 * fills has none), and where their stops and resumptions are reported. Retries run off the
 * output pump thread: a full disk never makes the pump wait, and other programs' output flows.
 *
 * <p>Threading: thread-safe. Tasks run on the retry thread, one at a time; a task that throws is
 * logged and the thread carries on.
 */
final class LogRetries implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LogRetries.class);
    /** Until the engine's journal is wired in (and in tests without one): the daemon log line only. */
    private static final LogWritingJournal LOG_ONLY = event -> new EventLogger().accept(event.create(0, Instant.now()));

    private volatile LogWritingJournal journal = LOG_ONLY;
    private ScheduledThreadPoolExecutor executor;
    private boolean closed;

    /** Where stops and resumptions go from now on. */
    void journal(LogWritingJournal journal) {
        this.journal = journal;
    }

    void report(LogWritingJournal.Factory event) {
        try {
            journal.record(event);
        } catch (RuntimeException e) {
            log.error("cannot report a change of log writing", e);
        }
    }

    /** Runs {@code task} on the retry thread after {@code millis}; nothing once closed. */
    synchronized void schedule(Runnable task, long millis) {
        if (closed) {
            return;
        }
        if (executor == null) {
            executor = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().name("log-retry").daemon().unstarted(r));
            executor.setRemoveOnCancelPolicy(true);
            executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        }
        executor.schedule(() -> {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                log.error("retrying a log write failed; retries continue", e);
            }
        }, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (executor != null) {
            // Not shutdownNow: an interrupt would close the channel of a log file a retry is writing.
            executor.shutdown();
        }
    }
}
