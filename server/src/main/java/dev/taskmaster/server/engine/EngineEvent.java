package dev.taskmaster.server.engine;

import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.config.ConfigError;
import dev.taskmaster.config.LogFullPolicy;
import dev.taskmaster.server.engine.health.HealthStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Something that happened, as recorded in the {@link EventJournal}. Immutable. */
public sealed interface EngineEvent {

    /** Position in the journal, from 1, with no gaps. */
    long sequence();

    Instant time();

    /**
     * A process changed state.
     *
     * @param exit   the end that caused it, when it was an exit or a failed spawn
     * @param reason one line a person can read
     * @param after  the process as it is after the change
     * @param requestedBy the API caller whose command led to the change (the command's own step or
     *               what followed from it: the stop after a stop signal, RUNNING after a start);
     *               empty when the daemon acted on its own (an exit, autorestart, a retry)
     */
    record StateChanged(long sequence, Instant time, String process, ProcessState from, ProcessState to, int pid,
            String reason, Optional<ExitRecord> exit, ProcessSnapshot after, String requestedBy) implements EngineEvent {
    }

    /**
     * A process's health changed (its program has a health check).
     *
     * @param reason one line: what the probes found ({@code 3 probes in a row failed: connection refused})
     * @param after  the process as it is after the change
     */
    record HealthChanged(long sequence, Instant time, String process, HealthStatus from, HealthStatus to, String reason,
            ProcessSnapshot after) implements EngineEvent {
    }

    /**
     * A scheduled start was not made: a cron time came while the process still ran (the runs of a
     * cron program never overlap).
     *
     * @param reason one line: which run, and why ({@code skipped the cron run due at … : still RUNNING (pid 42) …})
     * @param after  the process as it is
     */
    record StartSkipped(long sequence, Instant time, String process, String reason, ProcessSnapshot after)
            implements EngineEvent {
    }

    /** The daemon started with this many programs and processes. */
    record DaemonStarted(long sequence, Instant time, int programs, int processes) implements EngineEvent {
    }

    /**
     * The daemon began to stop everything.
     *
     * @param requestedBy the API caller who asked; empty when the daemon itself did (a signal)
     */
    record ShutdownStarted(long sequence, Instant time, String reason, String requestedBy) implements EngineEvent {
        public ShutdownStarted(long sequence, Instant time, String reason) {
            this(sequence, time, reason, "");
        }
    }

    /**
     * A new configuration was applied: the file's on reload, or one with a program added, updated
     * or removed through the API, as {@code change} says.
     */
    record ConfigReloaded(long sequence, Instant time, ConfigDiff diff, ConfigChange change) implements EngineEvent {
    }

    /**
     * A new configuration was rejected; nothing changed. Announced to the journal's listeners but
     * not numbered nor kept (see {@link EventJournal#announce}): {@code sequence} is the latest
     * event's, the one it came after.
     */
    record ConfigRejected(long sequence, Instant time, List<ConfigError> errors) implements EngineEvent {
    }

    /**
     * A process's output stopped reaching its log file, or reaches it again: reported by the
     * output side (not the engine), journaled in the order it happened for each stream.
     */
    sealed interface LogWriting extends EngineEvent {
        /** The instance whose output it is. */
        String process();

        /** {@code stdout} or {@code stderr}. */
        String stream();

        Path file();
    }

    /**
     * A write to a process's log file failed and writing stopped.
     *
     * @param policy what happens to the output until the file can be written again
     * @param reason one line, e.g. {@code no space left on device (ENOSPC)}
     */
    record LogWritingStopped(long sequence, Instant time, String process, String stream, Path file, LogFullPolicy policy,
            String reason) implements LogWriting {
    }

    /**
     * The log file of a process can be written again after a {@link LogWritingStopped}.
     *
     * @param reason     why writing had stopped
     * @param stoppedFor how long it was stopped
     * @param bytesLost  output lost meanwhile: 0 under {@code block}, unless the stream stopped
     *                   being logged or the daemon was shutting down
     * @param linesLost  lines lost meanwhile, a line partly lost counting as lost
     */
    record LogWritingResumed(long sequence, Instant time, String process, String stream, Path file, LogFullPolicy policy,
            String reason, Duration stoppedFor, long bytesLost, long linesLost) implements LogWriting {
    }

    /**
     * A notification was not delivered and will not be: a permanent failure, retries used up, or
     * messages dropped from a full queue. Reported by the notifier (not the engine), journaled on
     * the engine thread. The same failure again is not reported again until a delivery succeeds.
     *
     * @param rule         the {@code notify:} rule's name
     * @param target       what it delivers to, in words ({@code webhook https://hooks.example.com/x})
     * @param reason       one line: what failed and the peer's answer when there is one
     * @param messagesLost messages lost with this failure (several when dropped from the queue)
     */
    record NotificationFailed(long sequence, Instant time, String rule, String target, String reason, long messagesLost)
            implements EngineEvent {
    }
}
