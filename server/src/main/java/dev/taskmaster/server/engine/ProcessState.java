package dev.taskmaster.server.engine;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The states of a supervised process, with supervisord's meanings, and the transitions
 * allowed between them. A transition outside this table is a bug in the engine.
 */
public enum ProcessState {
    /** Not running, and not going to run until asked. */
    STOPPED,
    /** Spawned, waiting out {@code starttime} before counting as started. */
    STARTING,
    /** Started, and still running. */
    RUNNING,
    /** A start failed, or a crash loop is slowed down; waiting for the backoff delay before the next attempt. */
    BACKOFF,
    /** The stop signal was sent; waiting for the process to exit. */
    STOPPING,
    /** Exited on its own from RUNNING (and not restarted, or about to be). */
    EXITED,
    /** Could not be started after {@code startretries} attempts; stays down until started by hand. */
    FATAL,
    /** The engine lost track of the process. Never a normal state. */
    UNKNOWN,
    /** Suspended with SIGSTOP. */
    PAUSED,
    /**
     * Not running, waiting to be started by the daemon: a {@code start_delay}, the next
     * {@code cron} time, or its dependencies ({@link ProcessSnapshot#waitingFor} says which).
     */
    SCHEDULED;

    private static final Map<ProcessState, Set<ProcessState>> NEXT = Map.of(
            // BACKOFF from STOPPED and EXITED: a crash loop's delayed restart, after an exit or an unhealthy stop.
            STOPPED, EnumSet.of(STARTING, BACKOFF, SCHEDULED),
            STARTING, EnumSet.of(RUNNING, BACKOFF, STOPPING),
            RUNNING, EnumSet.of(STOPPING, EXITED, PAUSED),
            PAUSED, EnumSet.of(RUNNING, STOPPING, EXITED),
            BACKOFF, EnumSet.of(STARTING, FATAL, STOPPED, SCHEDULED),
            STOPPING, EnumSet.of(STOPPED),
            EXITED, EnumSet.of(STARTING, BACKOFF, SCHEDULED),
            FATAL, EnumSet.of(STARTING, SCHEDULED),
            UNKNOWN, EnumSet.of(STOPPED, STARTING),
            // A scheduled start is made (STARTING) or cancelled by stop (STOPPED); a start that cannot
            // spawn goes to BACKOFF or FATAL. What it waits for may change while it stays SCHEDULED.
            SCHEDULED, EnumSet.of(STARTING, STOPPED, BACKOFF, FATAL));

    public boolean canBecome(ProcessState next) {
        return NEXT.get(this).contains(next);
    }

    /** A process exists for this state (it may be exiting). */
    public boolean hasProcess() {
        return this == STARTING || this == RUNNING || this == STOPPING || this == PAUSED;
    }

    /** Nothing runs and nothing is scheduled to run: the end of a stop or of a run. */
    public boolean isDown() {
        return this == STOPPED || this == EXITED || this == FATAL;
    }
}
