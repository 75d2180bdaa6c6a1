package dev.taskmaster.config;

import java.util.ArrayList;
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

/**
 * Reads a program's {@code depends_on}: a mapping of program names to conditions
 * ({@code {db: healthy, migrate: completed_successfully}}), compose's long form
 * ({@code db: {condition: service_healthy}}), or a list of names ({@code [db, cache]}, each
 * meaning {@code started}, as in a compose file). What needs the other programs (unknown
 * names, cycles, {@code healthy} without a health check) is {@link DependencyCheck}'s. Stateless.
 */
final class DependsOnParser {

    private static final String EXPECTED = "a mapping of program names to conditions (" + DependencyCondition.EXPECTED
            + ") or a list of program names";
    private static final Set<String> LONG_FORM_KEYS = Set.of("condition");

    private DependsOnParser() {
    }

    /** Empty when any entry is wrong; every problem is reported to {@code src}. */
    static Optional<List<Dependency>> parse(Source src, Node node, String path, String self) {
        List<Dependency> out = new ArrayList<>();
        boolean ok = true;
        if (node instanceof SequenceNode list) {
            Map<String, Node> seen = new LinkedHashMap<>();
            for (int i = 0; i < list.getValue().size(); i++) {
                Node item = list.getValue().get(i);
                String p = path + "[" + i + "]";
                Optional<String> name = Values.text(src, item, p, "a program name").filter(n -> validName(src, item, p, n, self));
                if (name.isPresent() && seen.putIfAbsent(name.get(), item) != null) {
                    src.error(item, p, "\"" + name.get() + "\" is listed twice (first at line "
                            + (seen.get(name.get()).getStartMark().getLine() + 1) + ")");
                    name = Optional.empty();
                }
                name.ifPresent(n -> out.add(new Dependency(n, DependencyCondition.STARTED)));
                ok &= name.isPresent();
            }
            return ok ? Optional.of(List.copyOf(out)) : Optional.empty();
        }
        if (!(node instanceof MappingNode)) {
            src.error(node, path, "expected " + EXPECTED + ", found " + Values.describe(node));
            return Optional.empty();
        }
        Optional<MapReader> reader = MapReader.of(src, node, path, EXPECTED);
        if (reader.isEmpty()) {
            return Optional.empty();
        }
        for (MapReader.Entry e : reader.get().all()) {
            String p = reader.get().pathOf(e.name());
            Optional<Dependency> d = validName(src, e.key(), p, e.name(), self)
                    ? condition(src, e.value(), p).map(c -> new Dependency(e.name(), c)) : Optional.empty();
            d.ifPresent(out::add);
            ok &= d.isPresent();
        }
        return ok ? Optional.of(List.copyOf(out)) : Optional.empty();
    }

    /** {@code healthy}, nothing ({@code started}), or compose's {@code {condition: service_healthy}}. */
    private static Optional<DependencyCondition> condition(Source src, Node node, String path) {
        if (Values.isNull(node)) {
            return Optional.of(DependencyCondition.STARTED);
        }
        if (node instanceof MappingNode) {
            return MapReader.of(src, node, path, "a condition").flatMap(r -> {
                Optional<DependencyCondition> c = r.optional("condition", DependsOnParser::condition);
                for (String compose : List.of("restart", "required")) {
                    r.take(compose).ifPresent(n -> src.error(n, r.pathOf(compose), "compose's \"" + compose + "\" is not"
                            + " supported: a dependency is always required, and a dependent is not restarted with it;"
                            + " leave it out"));
                }
                r.rejectUnknown(LONG_FORM_KEYS);
                return r.has("condition") ? c : Optional.of(DependencyCondition.STARTED);
            });
        }
        return Values.text(src, node, path, DependencyCondition.EXPECTED).flatMap(t -> {
            Optional<DependencyCondition> c = DependencyCondition.parse(t);
            if (c.isEmpty()) {
                src.error(node, path, "expected " + DependencyCondition.EXPECTED + ", found " + Values.describe(node));
            }
            return c;
        });
    }

    private static boolean validName(Source src, Node node, String path, String name, String self) {
        if (!ProgramParser.NAME.matcher(name).matches()) {
            src.error(node, path, "invalid program name \"" + Values.quotable(name) + "\"; expected "
                    + ProgramParser.NAME_EXPECTED);
            return false;
        }
        if (name.equals(self)) {
            src.error(node, path, "a program cannot depend on itself (\"" + name + "\")");
            return false;
        }
        return true;
    }

    /**
     * Where each entry of a program's {@code depends_on} is written ({@code programNode}: the
     * program's settings), for the problems found once every program is read; an entry not
     * found (a merge from elsewhere) is located at {@code depends_on} itself, or at the program.
     */
    static Map<String, Node> entryNodes(Node programNode) {
        Map<String, Node> at = new LinkedHashMap<>();
        Node dependsOn = programNode;
        if (programNode instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals("depends_on")) {
                    dependsOn = t.getValueNode();
                    at.put("", k);
                }
            }
        }
        if (dependsOn instanceof SequenceNode list) {
            list.getValue().stream().filter(ScalarNode.class::isInstance)
                    .forEach(n -> at.putIfAbsent(((ScalarNode) n).getValue(), n));
        } else if (dependsOn instanceof MappingNode map) {
            for (NodeTuple t : map.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k) {
                    at.putIfAbsent(k.getValue(), k);
                }
            }
        }
        at.putIfAbsent("", programNode);
        return at;
    }
}
