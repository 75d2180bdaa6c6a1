package dev.taskmaster.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads the keys of one YAML mapping, remembering which were read, so that whatever is left
 * is reported as an unknown key. YAML merge keys ({@code <<: *defaults}) are applied first;
 * keys written in the mapping itself win over merged ones. Not thread-safe.
 */
final class MapReader {

    /** A key as written and its value. */
    record Entry(ScalarNode key, Node value) {
        String name() {
            return key.getValue();
        }
    }

    private final Source src;
    private final String path;
    private final Node node;
    private final Map<String, Entry> entries;
    private final Set<String> read = new HashSet<>();

    private MapReader(Source src, String path, Node node, Map<String, Entry> entries) {
        this.src = src;
        this.path = path;
        this.node = node;
        this.entries = entries;
    }

    /** A reader over {@code node}, or empty (and an error) when it is not a mapping. Null reads as empty. */
    static Optional<MapReader> of(Source src, Node node, String path, String expected) {
        if (Values.isNull(node)) {
            return Optional.of(new MapReader(src, path, node, new LinkedHashMap<>()));
        }
        if (!(node instanceof MappingNode mapping)) {
            src.error(node, path, "expected " + expected + ", found " + Values.describe(node));
            return Optional.empty();
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        List<MappingNode> merged = new ArrayList<>();
        for (NodeTuple tuple : mapping.getValue()) {
            Node key = tuple.getKeyNode();
            if (key.getTag().equals(Tag.MERGE)) {
                collectMerge(src, tuple.getValueNode(), path, merged);
            } else if (!(key instanceof ScalarNode scalarKey) || Values.isNull(key)) {
                src.error(key, path, "expected a key name, found " + Values.describe(key));
            } else {
                Entry previous = entries.putIfAbsent(scalarKey.getValue(), new Entry(scalarKey, tuple.getValueNode()));
                if (previous != null) {
                    src.error(key, join(path, scalarKey.getValue()), "duplicate key \"" + scalarKey.getValue()
                            + "\" (first at line " + (previous.key().getStartMark().getLine() + 1) + ")");
                }
            }
        }
        // In a list of merged mappings the first one wins, as the YAML merge spec says.
        for (MappingNode m : merged) {
            for (NodeTuple tuple : m.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode k) {
                    entries.putIfAbsent(k.getValue(), new Entry(k, tuple.getValueNode()));
                }
            }
        }
        return Optional.of(new MapReader(src, path, node, entries));
    }

    private static void collectMerge(Source src, Node value, String path, List<MappingNode> out) {
        if (value instanceof MappingNode m) {
            out.add(m);
        } else if (value instanceof SequenceNode s && s.getValue().stream().allMatch(MappingNode.class::isInstance)) {
            s.getValue().forEach(n -> out.add((MappingNode) n));
        } else {
            src.error(value, path, "expected a mapping or a list of mappings to merge with \"<<\", found "
                    + Values.describe(value));
        }
    }

    static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    Source source() {
        return src;
    }

    String path() {
        return path;
    }

    /** The node this mapping was read from, where "missing key" problems are reported. */
    Node node() {
        return node;
    }

    String pathOf(String key) {
        return join(path, key);
    }

    /** Every entry, marking all as read (for mappings whose keys are names, like {@code programs:}). */
    List<Entry> all() {
        read.addAll(entries.keySet());
        return List.copyOf(entries.values());
    }

    /** Marks the keys that {@code ignored} accepts as read, without reading them. */
    void skip(java.util.function.Predicate<String> ignored) {
        entries.keySet().stream().filter(ignored).forEach(read::add);
    }

    boolean has(String key) {
        return entries.containsKey(key);
    }

    /** The value of {@code key}, marking it read. */
    Optional<Node> take(String key) {
        read.add(key);
        return Optional.ofNullable(entries.get(key)).map(Entry::value);
    }

    /** Reads {@code key} with {@code parser} when present; {@code fallback} when absent or invalid. */
    <T> T get(String key, T fallback, ValueParser<T> parser) {
        return take(key).flatMap(n -> parser.parse(src, n, pathOf(key))).orElse(fallback);
    }

    <T> Optional<T> optional(String key, ValueParser<T> parser) {
        return take(key).flatMap(n -> parser.parse(src, n, pathOf(key)));
    }

    /** Reads a required key, described by {@code what}; reports it missing at this mapping otherwise. */
    <T> Optional<T> required(String key, String what, ValueParser<T> parser) {
        if (!entries.containsKey(key)) {
            read.add(key);
            src.error(node, path, missing(key, what));
            return Optional.empty();
        }
        return optional(key, parser);
    }

    static String missing(String key, String what) {
        return "expected the required key \"" + key + "\" (" + what + "), found no such key";
    }

    /** Reports every key not read: a suggestion among {@code known} when one is close, else all of them. */
    void rejectUnknown(Set<String> known) {
        rejectUnknown(known, "");
    }

    /** As {@link #rejectUnknown(Set)}; {@code alsoAllowed} names keys accepted beyond {@code known}. */
    void rejectUnknown(Set<String> known, String alsoAllowed) {
        for (Entry e : entries.values()) {
            if (!read.contains(e.name())) {
                // "did you mean" first (it knows supervisord's names too); else what to write instead of another tool's key.
                String suggested = Suggestions.hint(e.name(), known);
                String hint = suggested.isEmpty() ? ForeignKeys.hint(path, e.name(), e.value()) : suggested;
                src.error(e.key(), pathOf(e.name()), "unknown key \"" + e.name() + "\""
                        + (hint.isEmpty() ? "; expected one of: " + listed(known, alsoAllowed) : hint));
            }
        }
    }

    /** Sorted, so that a long list can be scanned for the key one meant. */
    private static String listed(Set<String> known, String alsoAllowed) {
        String keys = String.join(", ", known.stream().sorted().toList());
        return alsoAllowed.isEmpty() ? keys : keys + ", or " + alsoAllowed;
    }

    /** Turns a node into a value, reporting problems to the source. */
    @FunctionalInterface
    interface ValueParser<T> {
        Optional<T> parse(Source src, Node node, String path);
    }
}
