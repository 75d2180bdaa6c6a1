package dev.taskmaster.server.engine;

import java.util.Optional;

/**
 * What an event keeps alive on the heap while the {@link EventJournal} holds it, estimated from
 * its fields: the journal's byte bound counts these, not exact sizes. The estimates follow what
 * a heap histogram shows (JDK 25, compressed pointers): a state change, the bulk of any history,
 * takes ~500 bytes with its snapshot, its exit record and its reason. What events share with the
 * daemon's live state (a program's spec, its name) is not counted; a reload's diff is, since it
 * keeps the replaced configuration alive.
 *
 * <p>Threading: pure functions.
 */
final class EventJournalSizes {

    /** Record header and fields, sequence, time and the reference to it in the history. */
    static final int EVENT = 96;
    /** A {@link ProcessSnapshot} with its instants and optionals (its spec is shared). */
    static final int SNAPSHOT = 240;
    /** An exit record with its outcome, time and run time. */
    static final int EXIT = 128;
    /** A program spec kept alive by a reload's diff (its command, environment, settings). */
    static final int PROGRAM_CHANGE = 2048;
    static final int INSTANCE_CHANGE = 128;

    private EventJournalSizes() {
    }

    static long estimate(EngineEvent event) {
        return EVENT + switch (event) {
            case EngineEvent.StateChanged e -> text(e.reason()) + text(e.requestedBy()) + exit(e.exit()) + snapshot(e.after());
            case EngineEvent.HealthChanged e -> text(e.reason()) + snapshot(e.after());
            case EngineEvent.StartSkipped e -> text(e.reason()) + snapshot(e.after());
            case EngineEvent.ShutdownStarted e -> text(e.reason()) + text(e.requestedBy());
            case EngineEvent.ConfigReloaded e -> (long) e.diff().programs().size() * PROGRAM_CHANGE
                    + (long) e.diff().instances().size() * INSTANCE_CHANGE + text(e.change().requestedBy());
            case EngineEvent.ConfigRejected e -> e.errors().stream().mapToLong(x -> text(x.toString())).sum();
            case EngineEvent.LogWritingStopped e -> text(e.reason()) + path(e.file());
            case EngineEvent.LogWritingResumed e -> text(e.reason()) + path(e.file());
            case EngineEvent.NotificationFailed e -> text(e.rule()) + text(e.target()) + text(e.reason());
            default -> 0;
        };
    }

    private static long snapshot(ProcessSnapshot s) {
        if (s == null) {
            return 0;
        }
        return SNAPSHOT + exit(s.lastExit()) + s.spawnError().map(EventJournalSizes::text).orElse(0L)
                + s.gaveUp().map(EventJournalSizes::text).orElse(0L) + s.waitingFor().map(EventJournalSizes::text).orElse(0L)
                + 32L * s.dependencies().size();
    }

    private static long exit(Optional<ExitRecord> exit) {
        return exit.isPresent() ? EXIT : 0;
    }

    private static long path(java.nio.file.Path p) {
        return p == null ? 0 : 2 * text(p.toString());
    }

    /** A string of its own: header, array header, one byte a character (compact strings). */
    private static long text(String s) {
        return s == null ? 0 : 40 + s.length();
    }
}
