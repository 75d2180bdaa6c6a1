package dev.taskmaster.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of the top-level {@code notify:} list: which events, of which programs, go where,
 * and how often. Immutable. See docs/configuration.md, "Notifications".
 *
 * @param name     unique among the rules; {@code rule-N} (its position, from 1) when not written
 * @param on       the events that it sends; never empty
 * @param programs glob patterns ({@code *}, {@code ?}) matched against a process's name, its
 *                 program's name and {@code group:name}; empty = every program. Events of the
 *                 daemon itself (started, stopping, reload) always match
 * @param target   where the messages go
 * @param batch    the least time between two messages of the rule: the first event goes at
 *                 once, those that follow within this time go together in one message at its
 *                 end, counted ("exited unexpectedly 100 times in the last 60 s");
 *                 zero = every event its own message
 * @param queue    messages waiting for delivery at most; beyond, the oldest is dropped and counted
 * @param retries  further attempts after a transient failure (with capped exponential backoff)
 * @param timeout  how long one delivery attempt may take (a request, a command, a mail session)
 */
public record NotifyRule(String name, Set<NotifyEvent> on, List<String> programs, NotifyTarget target, Duration batch,
        int queue, int retries, Duration timeout) {

    public static final Duration DEFAULT_BATCH = Duration.ofSeconds(60);
    public static final int DEFAULT_QUEUE = 100;
    public static final int DEFAULT_RETRIES = 10;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    public NotifyRule {
        Objects.requireNonNull(name);
        on = Set.copyOf(on);
        programs = List.copyOf(programs);
        Objects.requireNonNull(target);
        Objects.requireNonNull(batch);
        Objects.requireNonNull(timeout);
    }
}
