package dev.taskmaster.config;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.CollectionEndEvent;
import org.yaml.snakeyaml.events.CollectionStartEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.parser.Parser;

/**
 * The YAML events of one file on their way to snakeyaml's composer, held to the {@link Limits}
 * of nesting, node count and alias expansion, each exceeded one reported where it happens.
 * snakeyaml's own limits of the kind say neither where nor which anchor; and it counts aliases
 * of lists and mappings only, while an alias of a long string costs as much. Here every alias
 * costs the size of what it names, so the configuration's size with every alias replaced is
 * known exactly as it is read (the "billion laughs" stop at the alias that crosses the limit).
 * Not thread-safe: one parse, one thread.
 */
final class BoundedParser implements Parser {

    /** What all the files of one configuration have used so far. Not thread-safe. */
    static final class Budget {
        private long nodes;
        private long expanded;
    }

    /** A limit exceeded at {@link #mark()}: what, in a sentence. */
    static final class LimitExceeded extends RuntimeException {
        private final transient Mark mark;

        LimitExceeded(Mark mark, String message) {
            super(message, null, false, false);
            this.mark = mark;
        }

        Mark mark() {
            return mark;
        }
    }

    /** A list or mapping not yet ended: its anchor (or null) and its size so far, aliases expanded. */
    private static final class Open {
        final String anchor;
        long size = 1;

        Open(String anchor) {
            this.anchor = anchor;
        }
    }

    private final Parser parser;
    private final Budget budget;
    private final Deque<Open> open = new ArrayDeque<>();
    /** Each anchor's size, aliases expanded; a later anchor of the same name replaces it, as in YAML. */
    private final Map<String, Long> anchored = new HashMap<>();
    /** Anchors of lists and mappings not yet ended: an alias of one would make the node contain itself. */
    private final Set<String> unfinished = new HashSet<>();
    private Event last;

    BoundedParser(Parser parser, Budget budget) {
        this.parser = parser;
        this.budget = budget;
    }

    /** Where the composer was when something without a position of its own went wrong. */
    Mark lastMark() {
        return last == null ? null : last.getStartMark();
    }

    @Override
    public boolean checkEvent(Event.ID choice) {
        return parser.checkEvent(choice);
    }

    @Override
    public Event peekEvent() {
        Event event = parser.peekEvent();
        last = event;
        return event;
    }

    @Override
    public Event getEvent() {
        Event event = parser.getEvent();
        last = event;
        switch (event) {
            case ScalarEvent s -> add(s, s.getAnchor(), 1 + s.getValue().length());
            case AliasEvent a -> alias(a);
            case CollectionStartEvent c -> start(c);
            case CollectionEndEvent e -> end();
            default -> {
                // stream and document boundaries, comments: nothing to count
            }
        }
        return event;
    }

    private void start(CollectionStartEvent event) {
        if (open.size() >= Limits.NESTING) {
            throw new LimitExceeded(event.getStartMark(), "more than " + Limits.NESTING
                    + " lists and mappings inside one another (the limit of nesting)");
        }
        countNode(event);
        grow(event, 1);
        open.push(new Open(event.getAnchor()));
        if (event.getAnchor() != null) {
            unfinished.add(event.getAnchor());
        }
    }

    private void end() {
        Open ended = open.pop();
        if (ended.anchor != null) {
            unfinished.remove(ended.anchor);
            anchored.put(ended.anchor, ended.size);
        }
        if (!open.isEmpty()) {
            open.peek().size += ended.size;
        }
    }

    private void add(Event event, String anchor, long size) {
        countNode(event);
        grow(event, size);
        if (!open.isEmpty()) {
            open.peek().size += size;
        }
        if (anchor != null) {
            anchored.put(anchor, size);
        }
    }

    private void alias(AliasEvent event) {
        String anchor = event.getAnchor();
        if (unfinished.contains(anchor)) {
            throw new LimitExceeded(event.getStartMark(), "alias *" + anchor + " is inside the node its anchor &"
                    + anchor + " names, so that node would contain itself; recursive aliases are not allowed");
        }
        // An unknown anchor is the composer's to report ("found undefined alias").
        long size = anchored.getOrDefault(anchor, 0L);
        grow(event, size);
        if (!open.isEmpty()) {
            open.peek().size += size;
        }
    }

    private void countNode(Event event) {
        if (++budget.nodes > Limits.NODES) {
            throw new LimitExceeded(event.getStartMark(), "more than " + Limits.NODES
                    + " YAML nodes (keys, values and list items) in the configuration (the limit of nodes)");
        }
    }

    private void grow(Event event, long size) {
        budget.expanded += size;
        if (budget.expanded > Limits.EXPANDED_CHARS) {
            String what = event instanceof AliasEvent a
                    ? "with this alias *" + a.getAnchor() + " replaced by the " + size + " characters its anchor names, "
                    : "with every alias replaced by what its anchor names, ";
            throw new LimitExceeded(event.getStartMark(), what + "the configuration would be more than "
                    + Limits.EXPANDED_CHARS + " characters (the limit of alias expansion)");
        }
    }
}
