package dev.taskmaster.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.SequenceNode;

/** Reads {@code server.access}: a list of {@code {user|group|cert: NAME, role: ROLE}} entries. */
final class AccessParser {

    static final String EXPECTED = "a list of access entries such as {user: alice, role: viewer},"
            + " {group: deploy, role: operator} or {cert: ops-laptop, role: admin}";
    private static final String ROLES = "one of viewer, operator, admin";
    private static final Set<String> KEYS = Set.of("user", "group", "cert", "role");

    private AccessParser() {
    }

    static List<AccessGrant> parse(Source src, Node node, String path) {
        if (Values.isNull(node)) {
            return List.of();
        }
        if (!(node instanceof SequenceNode list)) {
            src.error(node, path, "expected " + EXPECTED + ", found " + Values.describe(node));
            return List.of();
        }
        List<AccessGrant> grants = new ArrayList<>();
        // Subject → line of its first entry: a second entry for one subject is a mistake to point out.
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < list.getValue().size(); i++) {
            Node item = list.getValue().get(i);
            String itemPath = path + "[" + i + "]";
            entry(src, item, itemPath).ifPresent(g -> {
                String subject = g.kind().key() + " " + g.name();
                Integer first = seen.putIfAbsent(subject, item.getStartMark().getLine() + 1);
                if (first != null) {
                    src.error(item, itemPath, subject + " is already granted a role at line " + first
                            + "; give each user, group or cert one entry");
                } else {
                    grants.add(g);
                }
            });
        }
        return List.copyOf(grants);
    }

    private static Optional<AccessGrant> entry(Source src, Node node, String path) {
        Optional<MapReader> maybe = MapReader.of(src, node, path, "an access entry such as {user: alice, role: viewer}");
        if (maybe.isEmpty()) {
            return Optional.empty();
        }
        MapReader r = maybe.get();
        List<AccessGrant.Kind> given = new ArrayList<>();
        for (AccessGrant.Kind k : AccessGrant.Kind.values()) {
            if (r.has(k.key())) {
                given.add(k);
            }
        }
        Optional<AccessGrant.Role> role = r.required("role", ROLES, AccessParser::role);
        Optional<String> name = Optional.empty();
        if (given.size() == 1) {
            AccessGrant.Kind k = given.getFirst();
            name = r.optional(k.key(), (s, n, p) -> name(s, n, p, k));
        } else {
            given.forEach(k -> r.take(k.key()));
            src.error(node, path, given.isEmpty()
                    ? "expected one of the keys user, group or cert (who is granted the role), found none"
                    : "expected exactly one of the keys user, group or cert, found "
                            + String.join(" and ", given.stream().map(AccessGrant.Kind::key).toList()));
        }
        r.rejectUnknown(KEYS);
        if (role.isEmpty() || name.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new AccessGrant(given.getFirst(), name.get(), role.get()));
    }

    private static Optional<String> name(Source src, Node node, String path, AccessGrant.Kind kind) {
        String expected = switch (kind) {
            case USER -> "a user name or uid";
            case GROUP -> "a group name or gid";
            case CERT -> "the common name (CN) of a client certificate's subject";
        };
        return Values.text(src, node, path, expected).flatMap(t -> {
            if (t.isBlank() || !t.equals(t.strip()) || t.chars().anyMatch(Character::isISOControl)) {
                src.error(node, path, "expected " + expected + ", found " + Values.describe(node));
                return Optional.empty();
            }
            return Optional.of(t);
        });
    }

    private static Optional<AccessGrant.Role> role(Source src, Node node, String path) {
        return Values.text(src, node, path, ROLES).flatMap(t -> {
            for (AccessGrant.Role r : AccessGrant.Role.values()) {
                if (r.key().equals(t.strip().toLowerCase(Locale.ROOT))) {
                    return Optional.of(r);
                }
            }
            src.error(node, path, "expected " + ROLES + ", found " + Values.describe(node)
                    + Suggestions.hint(t.strip().toLowerCase(Locale.ROOT),
                            List.of("viewer", "operator", "admin")));
            return Optional.empty();
        });
    }
}
