package dev.taskmaster.server.api;

import dev.taskmaster.config.InstanceSpec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Which processes one {@code WatchEvents} stream reports. The contract allows targets that
 * match nothing yet ("they apply to processes as they appear"), so the targets are not turned
 * into a list of names when the watch starts: each instance is matched when it is first seen,
 * with the target syntax of every other RPC ({@link Targets}). An instance is known by its spec,
 * which a reload replaces, so a program that moves to another group is matched again.
 *
 * <p>Threading: thread-safe. The engine thread asks for every event, other threads for
 * snapshots; each spec is matched once (a miss costs {@link Targets} a NOT_FOUND and its
 * suggestion, too much to pay per event).
 */
final class WatchFilter {

    /** Decisions kept at most; beyond, they are forgotten and made again (a daemon reloaded thousands of times). */
    private static final int MAX_KEPT = 100_000;

    private final List<String> targets;
    private final Function<String, Optional<InstanceSpec>> lookup;
    private final Map<InstanceSpec, Boolean> bySpec = new IdentityHashMap<>();
    /** The latest decision for each name: for events that carry only a name. */
    private final Map<String, Boolean> byName = new HashMap<>();

    private WatchFilter(List<String> targets, Function<String, Optional<InstanceSpec>> lookup) {
        this.targets = List.copyOf(targets);
        this.lookup = lookup;
    }

    /**
     * Checks the targets against the processes there are now: a malformed target is refused
     * (INVALID_ARGUMENT), one that matches nothing yet is kept.
     *
     * @param lookup the spec of an instance of the configuration in force, by name
     * @throws StatusRuntimeException INVALID_ARGUMENT naming the malformed target
     */
    static WatchFilter of(List<String> targets, List<InstanceSpec> now, Function<String, Optional<InstanceSpec>> lookup) {
        for (int i = 0; i < targets.size(); i++) {
            String t = targets.get(i);
            if (t.isBlank()) {
                throw Status.INVALID_ARGUMENT.withDescription("targets[" + i + "] is empty; name a process, a program,"
                        + " group:name, group:* or all (or send no targets to watch every process)").asRuntimeException();
            }
            try {
                Targets.resolve(List.of(t), now);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                    throw e; // malformed, as the target parser says
                }
                // Allowed: it applies to the processes that appear later.
            }
        }
        return new WatchFilter(targets, lookup);
    }

    /** Whether every process is watched (no targets). */
    boolean all() {
        return targets.isEmpty();
    }

    /** Whether events about {@code spec}'s process are reported. */
    boolean matches(InstanceSpec spec) {
        if (targets.isEmpty()) {
            return true;
        }
        synchronized (this) {
            Boolean known = bySpec.get(spec);
            if (known != null) {
                return known;
            }
        }
        boolean match = targets.stream().anyMatch(t -> matches(t, spec));
        synchronized (this) {
            if (bySpec.size() >= MAX_KEPT) {
                bySpec.clear();
                byName.clear();
            }
            bySpec.put(spec, match);
            byName.put(spec.name(), match);
        }
        return match;
    }

    /** Whether events about the instance named {@code name} (an event that carries no spec) are reported. */
    boolean matches(String name) {
        if (targets.isEmpty()) {
            return true;
        }
        Optional<InstanceSpec> spec = lookup.apply(name);
        if (spec.isPresent()) {
            return matches(spec.get());
        }
        synchronized (this) {
            return byName.getOrDefault(name, false);
        }
    }

    private static boolean matches(String target, InstanceSpec spec) {
        try {
            return !Targets.resolve(List.of(target), List.of(spec)).isEmpty();
        } catch (StatusRuntimeException e) {
            return false;
        }
    }
}
