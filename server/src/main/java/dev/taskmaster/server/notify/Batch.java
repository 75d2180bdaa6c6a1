package dev.taskmaster.server.notify;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one message of a rule reports: groups of like events (same process, same kind), each
 * with how many times it happened and the last of them. Immutable.
 *
 * @param rule   the rule's name
 * @param groups in the order their first event came
 * @param window the rule's batch time, for "in the last 60 s"; zero when the events went alone
 * @param test   a test message from {@code taskmasterctl notify test}, not an event
 */
record Batch(String rule, List<Group> groups, Duration window, boolean test) {

    Batch {
        groups = List.copyOf(groups);
    }

    /** Events of one kind about one process in the batch. */
    record Group(Occurrence last, int count, Instant first) {
    }

    int events() {
        return groups.stream().mapToInt(Group::count).sum();
    }
}
