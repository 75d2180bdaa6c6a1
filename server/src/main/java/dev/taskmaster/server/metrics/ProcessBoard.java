package dev.taskmaster.server.metrics;

import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.ProcessSnapshot;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The last snapshot of every process, kept up to date from the engine's events, so that a
 * scrape reads memory and never waits for the engine thread: a state or health change carries
 * the process as it is after it; a new configuration (processes added or removed) asks the
 * engine for all of them once, in its own time. Also counts the events by type.
 *
 * <p>Threading: {@link #accept} runs on the engine thread (a journal listener) and only puts
 * into concurrent maps; {@link #processes} and {@link #eventCounts} from any thread.
 */
public final class ProcessBoard implements Consumer<EngineEvent> {

    private final Map<String, ProcessSnapshot> byName = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> events = new ConcurrentHashMap<>();
    /**
     * Instances a new configuration removed: gone from the metrics at once, though their last
     * process may still be stopping (its state changes are not shown). Engine thread only.
     */
    private final java.util.Set<String> removed = ConcurrentHashMap.newKeySet();
    private volatile Engine engine;

    /** Starts following {@code engine}: its processes now, and every event from here on. */
    public CompletableFuture<Void> follow(Engine engine) {
        this.engine = engine;
        // Long.MAX_VALUE: none of the past events, only those to come.
        return engine.listen(Long.MAX_VALUE, this).thenAccept(at -> replaceAll(at.processes()));
    }

    @Override
    public void accept(EngineEvent event) {
        events.computeIfAbsent(typeOf(event), t -> new LongAdder()).increment();
        switch (event) {
            case EngineEvent.StateChanged c -> put(c.after());
            case EngineEvent.HealthChanged h -> put(h.after());
            case EngineEvent.ConfigReloaded r -> {
                for (dev.taskmaster.config.ConfigDiff.InstanceChange change : r.diff().instances()) {
                    switch (change.kind()) {
                        case REMOVED -> {
                            removed.add(change.name());
                            byName.remove(change.name());
                        }
                        case ADDED -> removed.remove(change.name());
                        default -> { }
                    }
                }
                Engine e = engine;
                if (e != null) {
                    // Posted behind this event on the engine thread: it sees the new set of processes.
                    e.snapshot().thenAccept(this::replaceAll);
                }
            }
            default -> { }
        }
    }

    private void put(ProcessSnapshot p) {
        if (!removed.contains(p.name())) {
            byName.put(p.name(), p);
        }
    }

    /** For tests and the daemon's first look: every process as given (but those removed), no others. */
    void replaceAll(List<ProcessSnapshot> processes) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (ProcessSnapshot p : processes) {
            if (!removed.contains(p.name())) {
                names.add(p.name());
                byName.put(p.name(), p);
            }
        }
        byName.keySet().retainAll(names);
    }

    public Collection<ProcessSnapshot> processes() {
        return byName.values();
    }

    /** Events seen since the daemon started, by type ({@code state_changed}, {@code config_reloaded}...). */
    public Map<String, Long> eventCounts() {
        Map<String, Long> out = new java.util.TreeMap<>();
        events.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** {@code StateChanged} as {@code state_changed}: a bounded label value, one per kind of event. */
    static String typeOf(EngineEvent event) {
        String simple = event.getClass().getSimpleName();
        StringBuilder b = new StringBuilder(simple.length() + 4);
        for (int i = 0; i < simple.length(); i++) {
            char c = simple.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                b.append('_');
            }
            b.append(Character.toLowerCase(c));
        }
        return b.toString();
    }
}
