package dev.taskmaster.tui;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** The most recent events, newest first, bounded. Owned by the UI thread. */
final class Ticker {

    enum Severity { INFO, WARN, ERROR }

    /** One line of the ticker. {@code daemon} is empty when there is only one daemon to tell apart. */
    record Entry(Instant time, String daemon, String text, Severity severity) {}

    static final int KEPT = 200;

    private final Deque<Entry> entries = new ArrayDeque<>();

    void add(Entry e) {
        entries.addFirst(e);
        while (entries.size() > KEPT) {
            entries.removeLast();
        }
    }

    /** Newest first. */
    List<Entry> entries() {
        return List.copyOf(entries);
    }
}
