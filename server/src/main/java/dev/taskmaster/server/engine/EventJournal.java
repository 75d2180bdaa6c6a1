package dev.taskmaster.server.engine;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The numbered history of engine events: bounded, so memory stays flat, and replayable from a
 * sequence number. Two bounds, the first reached wins: a number of events, and their estimated
 * heap size ({@link EventJournalSizes}; {@link #DEFAULT_MAX_BYTES} unless told otherwise). A crash
 * loop of hundreds of restarts a second replaces the whole history within seconds but never
 * makes it bigger; events with long texts or reloads of large configurations are fewer to a
 * history instead. Appended on the engine thread only; listeners run on that thread and must
 * not block. {@link #since} may be called from any thread.
 */
public final class EventJournal {

    private static final Logger log = LoggerFactory.getLogger(EventJournal.class);

    /**
     * The default byte bound: ~6,000 ordinary state changes (~600-700 estimated bytes each with
     * their snapshot and exit); the daemon's count bound (10,000) decides for lighter events.
     * Together with the heap's free ratios (bin/lib/launch) it keeps a crash loop's RSS flat.
     */
    public static final long DEFAULT_MAX_BYTES = 4L << 20;

    private final int capacity;
    private final long maxBytes;
    private final ArrayDeque<EngineEvent> history;
    /** The sum of {@link EventJournalSizes#estimate} over {@link #history} (a pure function: recomputed on removal). */
    private long bytes;
    private final List<Consumer<EngineEvent>> listeners = new CopyOnWriteArrayList<>();
    private long lastSequence;
    /**
     * Names this journal for WatchEvents' journal_id: a client resuming by sequence from another
     * journal (a new daemon) is told it missed events. Kept across a re-exec, where the
     * numbering goes on.
     */
    private String id = java.util.UUID.randomUUID().toString();

    public EventJournal(int capacity) {
        this(capacity, DEFAULT_MAX_BYTES);
    }

    /**
     * @param capacity most events kept
     * @param maxBytes most estimated bytes kept (the newest event is kept whatever its size)
     */
    public EventJournal(int capacity, long maxBytes) {
        if (capacity < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("an event journal keeps at least one event, found capacity " + capacity
                    + " and maxBytes " + maxBytes);
        }
        this.capacity = capacity;
        this.maxBytes = maxBytes;
        // Grown as events come: an idle daemon does not hold room for 10,000 of them.
        this.history = new ArrayDeque<>(Math.min(capacity, 256));
    }

    /** Builds the event with the next sequence number, keeps it, and tells every listener. */
    public EngineEvent append(Instant now, SequencedFactory factory) {
        EngineEvent event;
        synchronized (this) {
            event = factory.create(++lastSequence, now);
            keep(event);
        }
        tell(event);
        return event;
    }

    /** Adds {@code event} to the history, dropping the oldest events beyond either bound. */
    private void keep(EngineEvent event) {
        long size = EventJournalSizes.estimate(event);
        while (!history.isEmpty() && (history.size() >= capacity || bytes + size > maxBytes)) {
            bytes -= EventJournalSizes.estimate(history.removeFirst());
        }
        history.addLast(event);
        bytes += size;
    }

    /** The estimated bytes the kept events take ({@link EventJournalSizes}). */
    public synchronized long bytes() {
        return bytes;
    }

    /** How many events are kept now. */
    public synchronized int size() {
        return history.size();
    }

    private void tell(EngineEvent event) {
        for (Consumer<EngineEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                // A broken listener must not stop the engine or the other listeners.
                log.error("event listener failed on event {}", event.sequence(), e);
            }
        }
    }

    /**
     * Tells every listener of an event that is not part of the numbered journal (a rejected
     * configuration: nothing changed, the log says why): it takes no sequence number and is not
     * kept, so the journal's numbers stay "+1 for each event" with no gap a watcher could take for
     * a loss. The event carries the latest sequence, the one it came after.
     */
    public EngineEvent announce(Instant now, SequencedFactory factory) {
        EngineEvent event;
        synchronized (this) {
            event = factory.create(lastSequence, now);
        }
        tell(event);
        return event;
    }

    /**
     * Takes the journal of the program before a re-exec (see {@code reexec.Handover}): numbering
     * goes on after {@code last}, and the events it kept are kept again, so that a watcher
     * resuming by sequence sees no gap and no duplicate. Only before the first event.
     */
    public synchronized void restore(String journalId, long last, List<EngineEvent> kept) {
        if (lastSequence != 0) {
            throw new IllegalStateException("the journal already has events");
        }
        id = journalId;
        lastSequence = last;
        int skip = Math.max(0, kept.size() - capacity);
        kept.stream().skip(skip).filter(e -> e.sequence() <= last).forEach(this::keep);
    }

    /**
     * Numbers the events of this journal on from those of a previous daemon of the same instance
     * (crash recovery): the first event appended gets {@code previousLast + gap + 1}. The events
     * the previous daemon numbered after its last recorded one, and the {@code gap} numbers
     * between, are gone: a watcher resuming from any of them is told it missed events (its
     * sequence is older than the oldest kept) instead of silently getting new events under
     * numbers it has already seen. Only before the first event.
     *
     * @throws IllegalStateException when events were appended already
     */
    public synchronized void continueAfter(long previousLast, long gap) {
        if (lastSequence != 0 || !history.isEmpty()) {
            throw new IllegalStateException("the journal has begun: it cannot continue another's numbering");
        }
        lastSequence = Math.addExact(previousLast, gap);
    }

    public void addListener(Consumer<EngineEvent> listener) {
        listeners.add(listener);
    }

    public void removeListener(Consumer<EngineEvent> listener) {
        listeners.remove(listener);
    }

    /** How many listeners are registered (watch streams, the log): lets tests see a stream let go. */
    public int listenerCount() {
        return listeners.size();
    }

    /** This journal's id (see {@link #id}). */
    public synchronized String id() {
        return id;
    }

    public synchronized long lastSequence() {
        return lastSequence;
    }

    /**
     * The kept events from {@code sequence} on, that one included, oldest first: what a watcher
     * that has seen up to {@code n} asks for with {@code since(n + 1)}, as {@code WatchEvents}'
     * {@code from_sequence} does ("replay every kept event with sequence >= N"). {@code since(1)}
     * (or 0) is the whole history; empty when {@code sequence}, read unsigned as on the wire, is
     * beyond the last event.
     */
    public synchronized List<EngineEvent> since(long sequence) {
        List<EngineEvent> out = new ArrayList<>();
        if (history.isEmpty() || Long.compareUnsigned(sequence, lastSequence) > 0) {
            return out;
        }
        // Sequences in the history are consecutive: skip straight to the first one wanted.
        long first = history.getFirst().sequence();
        int skip = (int) Math.max(0, Math.min(history.size(), sequence - first));
        var it = history.iterator();
        for (int i = 0; i < skip; i++) {
            it.next();
        }
        it.forEachRemaining(out::add);
        return out;
    }

    /** The oldest sequence still kept; {@code lastSequence() + 1} when empty. */
    public synchronized long oldestSequence() {
        return history.isEmpty() ? lastSequence + 1 : history.getFirst().sequence();
    }

    /** Makes an event once its sequence number and time are known. */
    @FunctionalInterface
    public interface SequencedFactory {
        EngineEvent create(long sequence, Instant time);
    }

}
