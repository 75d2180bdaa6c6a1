package dev.taskmaster.server.notify;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of what became of the messages, by rule and target kind, for metrics and tests:
 * delivered, failed for good, dropped from a full queue. Thread-safe; counts only grow (a rule
 * removed by a reload keeps its counts, as a Prometheus counter must).
 */
public final class NotifyCounters {

    /** One rule's counts at one moment. */
    public record Row(String rule, String target, long delivered, long failed, long dropped) {
    }

    private record Key(String rule, String target) {
    }

    private final Map<Key, LongAdder[]> counts = new ConcurrentHashMap<>();

    private LongAdder[] of(String rule, String target) {
        return counts.computeIfAbsent(new Key(rule, target), k -> new LongAdder[] {new LongAdder(), new LongAdder(),
                new LongAdder()});
    }

    void delivered(String rule, String target) {
        of(rule, target)[0].increment();
    }

    void failed(String rule, String target) {
        of(rule, target)[1].increment();
    }

    void dropped(String rule, String target) {
        of(rule, target)[2].increment();
    }

    /** Every rule's counts, sorted by rule. */
    public List<Row> rows() {
        return counts.entrySet().stream().map(e -> new Row(e.getKey().rule(), e.getKey().target(), e.getValue()[0].sum(),
                e.getValue()[1].sum(), e.getValue()[2].sum())).sorted(java.util.Comparator.comparing(Row::rule)).toList();
    }
}
