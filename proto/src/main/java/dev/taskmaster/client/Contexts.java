package dev.taskmaster.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The contents of the contexts file: every context by name (in the file's order) and the
 * current one, if any. Immutable: each change returns a new value, which {@link ContextsFile#save}
 * writes.
 */
public record Contexts(String current, Map<String, Context> byName) {

    public static final Contexts EMPTY = new Contexts(null, Map.of());

    public Contexts {
        byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
        if (current != null && !byName.containsKey(current)) {
            throw new IllegalArgumentException("current context \"" + current + "\" is not defined");
        }
    }

    public Optional<Context> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Optional<Context> currentContext() {
        return current == null ? Optional.empty() : get(current);
    }

    public List<Context> all() {
        return List.copyOf(byName.values());
    }

    /** With {@code c} added, or replacing the context of the same name. */
    public Contexts with(Context c) {
        Map<String, Context> m = new LinkedHashMap<>(byName);
        m.put(c.name(), c);
        return new Contexts(current, m);
    }

    /** Without {@code name}; no current context if it was the current one. */
    public Contexts without(String name) {
        Map<String, Context> m = new LinkedHashMap<>(byName);
        m.remove(name);
        return new Contexts(name.equals(current) ? null : current, m);
    }

    /** With {@code name} (which must exist) as the current context, or none for null. */
    public Contexts using(String name) {
        return new Contexts(name, byName);
    }

    /** The names, for "did you mean" and listings. */
    public List<String> names() {
        return new ArrayList<>(byName.keySet());
    }
}
