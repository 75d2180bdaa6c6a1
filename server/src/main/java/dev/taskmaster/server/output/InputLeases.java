package dev.taskmaster.server.output;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Who may type into one instance: the attach sessions that hold its input lease. One session
 * alone (EXCLUSIVE, TAKE_OVER), or every session that asked to share (SHARED). A session that
 * asked for input but could not get it waits, read-only, and is given the lease when it comes
 * free (first come, first served). Each session hears of every change to its own lease.
 *
 * <p>Threading: thread-safe; listeners are called with the lock held and must only queue.
 */
public final class InputLeases {

    /** The lease as one session sees it (see {@code InputLease} in output.proto). */
    public record Lease(boolean granted, boolean shared, String holder) {
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private static final class Session {
        final String id;
        final InputMode asked;
        final String who;
        final Consumer<Lease> listener;
        boolean granted;
        boolean shared;
        Instant since;

        Session(String id, InputMode asked, String who, Consumer<Lease> listener) {
            this.id = id;
            this.asked = asked;
            this.who = who;
            this.listener = listener;
        }
    }

    /** In order of attaching: that order decides who gets a freed lease. */
    private final Map<String, Session> sessions = new LinkedHashMap<>();

    /** Adds a session and returns its lease; a TAKE_OVER revokes (and tells) the current holders. */
    public synchronized Lease join(String id, InputMode mode, String who, Consumer<Lease> listener) {
        Session s = new Session(id, mode, who, listener);
        sessions.put(id, s);
        switch (mode) {
            case READ_ONLY -> { }
            case EXCLUSIVE -> {
                if (holders().isEmpty()) {
                    grant(s, false);
                }
            }
            case SHARED -> {
                if (exclusiveHolder().isEmpty()) {
                    grant(s, true);
                }
            }
            case TAKE_OVER -> {
                List<Session> revoked = holders();
                grant(s, false);
                for (Session r : revoked) {
                    r.granted = false;
                    r.shared = false;
                }
                revoked.forEach(r -> r.listener.accept(leaseOf(r)));
            }
        }
        return leaseOf(s);
    }

    /** Removes a session; a freed lease goes to the sessions waiting for it. */
    public synchronized void leave(String id) {
        Session gone = sessions.remove(id);
        if (gone == null || !gone.granted || !holders().isEmpty()) {
            return;
        }
        List<Session> waiting = sessions.values().stream().filter(s -> s.asked != InputMode.READ_ONLY).toList();
        if (waiting.isEmpty()) {
            return;
        }
        Session first = waiting.getFirst();
        if (first.asked == InputMode.SHARED) {
            waiting.stream().filter(s -> s.asked == InputMode.SHARED).forEach(s -> grant(s, true));
        } else {
            grant(first, false);
        }
        // Every session hears: the new holders that they hold it, the others who does.
        sessions.values().forEach(s -> s.listener.accept(leaseOf(s)));
    }

    public synchronized boolean contains(String id) {
        return sessions.containsKey(id);
    }

    /**
     * Why input from {@code sessionId} (empty: one-shot input without a session) is refused, or
     * empty when it may go ahead. The caller checks that the session exists.
     */
    public synchronized Optional<String> refusal(String sessionId) {
        if (sessionId.isEmpty()) {
            return exclusiveHolder().map(h -> "the input lease is held by " + describe(h)
                    + "; input without a session is allowed only while nobody holds it alone");
        }
        Session s = sessions.get(sessionId);
        if (s == null || s.granted) {
            return Optional.empty();
        }
        List<Session> holders = holders();
        if (holders.isEmpty()) {
            return Optional.of("session " + sessionId + " is read-only; attach with an input mode to type");
        }
        return Optional.of("the input lease is held by " + holderText(holders)
                + "; attach with input mode TAKE_OVER to take it");
    }

    /** Callers tell the sessions concerned; the joining one learns its lease from {@link #join}. */
    private void grant(Session s, boolean shared) {
        s.granted = true;
        s.shared = shared;
        s.since = Instant.now();
    }

    private Lease leaseOf(Session s) {
        if (s.granted) {
            return new Lease(true, s.shared, "");
        }
        List<Session> holders = holders();
        return new Lease(false, !holders.isEmpty() && holders.getFirst().shared, holderText(holders));
    }

    private List<Session> holders() {
        List<Session> out = new ArrayList<>();
        sessions.values().stream().filter(s -> s.granted).forEach(out::add);
        return out;
    }

    private Optional<Session> exclusiveHolder() {
        return sessions.values().stream().filter(s -> s.granted && !s.shared).findFirst();
    }

    private static String holderText(List<Session> holders) {
        if (holders.isEmpty()) {
            return "";
        }
        if (holders.size() == 1) {
            return describe(holders.getFirst());
        }
        return holders.size() + " sessions sharing it (" + String.join(", ", holders.stream().map(InputLeases::describe).toList()) + ")";
    }

    private static String describe(Session s) {
        return s.who + ", session " + s.id.substring(0, Math.min(8, s.id.length())) + ", since " + TIME.format(s.since);
    }
}
