package dev.taskmaster.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Collects every problem of one load, so that a user sees all of them in one pass.
 * Not thread-safe: one load, one thread.
 */
final class Problems {

    private final List<Path> fileOrder = new ArrayList<>();
    private final List<ConfigError> errors = new ArrayList<>();

    void at(Path file, Node node, String keyPath, String message) {
        at(file, node.getStartMark(), keyPath, message);
    }

    void at(Path file, Mark mark, String keyPath, String message) {
        // snakeyaml counts from 0; people and editors count from 1.
        int line = mark == null ? 0 : mark.getLine() + 1;
        int column = mark == null ? 0 : mark.getColumn() + 1;
        add(new ConfigError(file, line, column, keyPath, message));
    }

    void add(ConfigError error) {
        if (!fileOrder.contains(error.file())) {
            fileOrder.add(error.file());
        }
        errors.add(error);
    }

    int count() {
        return errors.size();
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    /** In file order (as first reported), then by position. */
    List<ConfigError> sorted() {
        return errors.stream()
                .sorted(Comparator.<ConfigError>comparingInt(e -> fileOrder.indexOf(e.file()))
                        .thenComparingInt(ConfigError::line)
                        .thenComparingInt(ConfigError::column))
                .toList();
    }
}
