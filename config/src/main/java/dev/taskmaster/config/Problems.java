package dev.taskmaster.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.nodes.Node;

/**
 * Collects every problem of one load, so that a user sees all of them in one pass: up to
 * {@link Limits#ERRORS} of them, the rest counted, so that a file of a million mistakes cannot
 * make a million-line answer. Not thread-safe: one load, one thread.
 */
final class Problems {

    /** Longer messages are shown by their start and end: one may quote a value of megabytes. */
    private static final int MESSAGE_CHARS = 2000;

    private final List<Path> fileOrder = new ArrayList<>();
    private final List<ConfigError> errors = new ArrayList<>();
    private int omitted;
    private ConfigError firstOmitted;

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
        if (errors.size() >= Limits.ERRORS) {
            if (omitted++ == 0) {
                firstOmitted = error;
            }
            return;
        }
        if (!fileOrder.contains(error.file())) {
            fileOrder.add(error.file());
        }
        errors.add(new ConfigError(error.file(), error.line(), error.column(),
                clip(printable(error.keyPath()), MESSAGE_CHARS / 4), clip(printable(error.message()), MESSAGE_CHARS)));
    }

    /** Every problem found, listed or not. */
    int count() {
        return errors.size() + omitted;
    }

    boolean isEmpty() {
        return errors.isEmpty();
    }

    /** In file order (as first reported), then by position; last, how many more were not listed, if any. */
    List<ConfigError> sorted() {
        List<ConfigError> sorted = new ArrayList<>(errors.stream()
                .sorted(Comparator.<ConfigError>comparingInt(e -> fileOrder.indexOf(e.file()))
                        .thenComparingInt(ConfigError::line)
                        .thenComparingInt(ConfigError::column))
                .toList());
        if (omitted > 0) {
            sorted.add(new ConfigError(firstOmitted.file(), firstOmitted.line(), firstOmitted.column(), "",
                    omitted + " more " + (omitted == 1 ? "error" : "errors") + " from here on, not listed"
                            + " (at most " + Limits.ERRORS + " are)"));
        }
        return sorted;
    }

    /**
     * {@code text} with every control character written as an escape: an error is one line, and
     * what it quotes (a value with {@code "\x1b[2J"} in it, say) must not drive the terminal.
     */
    static String printable(String text) {
        if (text.chars().noneMatch(Problems::isControl)) {
            return text;
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        text.chars().forEach(c -> {
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(isControl(c) ? String.format(java.util.Locale.ROOT, "\\u%04X", c) : String.valueOf((char) c));
            }
        });
        return b.toString();
    }

    private static boolean isControl(int c) {
        return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029;
    }

    /** {@code text}, or its start and end with how much is left out between them. */
    static String clip(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int head = max * 2 / 3;
        int tail = max / 4;
        if (Character.isLowSurrogate(text.charAt(head))) {
            head--; // never split a character in two
        }
        if (Character.isLowSurrogate(text.charAt(text.length() - tail))) {
            tail--;
        }
        return text.substring(0, head) + "…[" + (text.length() - head - tail) + " characters]…"
                + text.substring(text.length() - tail);
    }
}
