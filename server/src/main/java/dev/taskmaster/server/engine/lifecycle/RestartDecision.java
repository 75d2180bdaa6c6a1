package dev.taskmaster.server.engine.lifecycle;

import java.time.Duration;

/** What to do after a run ended: the answer of {@link RestartRules#decide}. Immutable. */
public sealed interface RestartDecision {

    /** The counters to keep from now on. */
    RestartCounters counters();

    /** Start it again at once. {@code why} is the reason of the new start. */
    record Now(String why, RestartCounters counters) implements RestartDecision {
    }

    /**
     * Wait in BACKOFF for {@code delay}, then start it again. {@code note} says so, to follow the
     * reason the run ended ({@code retry 2 of 3 in 2 s}).
     */
    record After(Duration delay, String note, RestartCounters counters) implements RestartDecision {
    }

    /** Give up: FATAL, for {@code reason} ({@code gave up after 4 failed starts}). */
    record GiveUp(String reason, RestartCounters counters) implements RestartDecision {
    }

    /** Leave it down, as its autorestart setting says. */
    record Stay(RestartCounters counters) implements RestartDecision {
    }
}
