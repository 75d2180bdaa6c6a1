package dev.taskmaster.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;

/**
 * What reading one file needs: where it is (for messages and relative paths), where problems
 * go, and the environment that {@code ${VAR}} expands from.
 */
record Source(Path file, Problems problems, Map<String, String> env) {

    void error(Node node, String keyPath, String message) {
        problems.at(file, node, keyPath, message);
    }

    /** Expands {@code ${VAR}} in a scalar's text; empty (and an error reported) when it cannot. */
    Optional<String> expand(Node node, String keyPath, String text) {
        try {
            return Optional.of(Expander.expand(text, env));
        } catch (IllegalArgumentException e) {
            error(node, keyPath, e.getMessage());
            return Optional.empty();
        }
    }

    /**
     * A path as written in this file: {@code ${VAR}} expanded, a leading {@code ~/} made the
     * home directory, and a relative path taken from the directory of this file.
     */
    Optional<Path> path(Node node, String keyPath, String text) {
        return path(node, keyPath, text, true);
    }

    /** As {@link #path(Node, String, String)}; {@code expand} false when the text was expanded already. */
    Optional<Path> path(Node node, String keyPath, String text, boolean expand) {
        return (expand ? expand(node, keyPath, text) : Optional.of(text)).flatMap(expanded -> {
            if (expanded.isBlank()) {
                error(node, keyPath, "expected a path, found an empty string");
                return Optional.empty();
            }
            if (expanded.equals("~") || expanded.startsWith("~/")) {
                String home = env.get("HOME");
                if (home == null || home.isEmpty()) {
                    error(node, keyPath, "cannot expand \"~\": HOME is not set");
                    return Optional.empty();
                }
                expanded = home + expanded.substring(1);
            }
            try {
                return Optional.of(file.getParent().resolve(expanded).normalize());
            } catch (java.nio.file.InvalidPathException e) {
                // The only character Linux refuses is NUL, which would be invisible (or worse) on a terminal.
                error(node, keyPath, "invalid path \"" + expanded.replace("\0", "\\0") + "\": " + e.getReason());
                return Optional.empty();
            }
        });
    }
}
