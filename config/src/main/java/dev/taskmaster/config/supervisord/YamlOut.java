package dev.taskmaster.config.supervisord;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The YAML text of an imported configuration: keys and values written so that Taskmaster's
 * loader reads back exactly the strings given (double-quoted, escaped), comments kept beside
 * what they explain. Not thread-safe; one import writes it.
 */
final class YamlOut {

    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");
    /** Plain scalars that YAML 1.1 would read as something else than the text. */
    private static final Set<String> SPECIAL = Set.of("true", "false", "yes", "no", "on", "off", "y", "n", "null", "~");

    private final StringBuilder out = new StringBuilder();

    void comment(int indent, String text) {
        for (String line : text.split("\n", -1)) {
            out.append("  ".repeat(indent)).append(line.isEmpty() ? "#" : "# " + line).append('\n');
        }
    }

    void blank() {
        out.append('\n');
    }

    void section(int indent, String key) {
        out.append("  ".repeat(indent)).append(key(key)).append(":\n");
    }

    void string(int indent, String key, String value) {
        out.append("  ".repeat(indent)).append(key(key)).append(": ").append(quoted(value)).append('\n');
    }

    /** A number or boolean, written plain. */
    void plain(int indent, String key, Object value) {
        out.append("  ".repeat(indent)).append(key(key)).append(": ").append(value).append('\n');
    }

    void list(int indent, String key, List<?> values) {
        out.append("  ".repeat(indent)).append(key(key)).append(": [");
        for (int i = 0; i < values.size(); i++) {
            out.append(i == 0 ? "" : ", ").append(values.get(i));
        }
        out.append("]\n");
    }

    void map(int indent, String key, Map<String, String> values) {
        section(indent, key);
        values.forEach((k, v) -> string(indent + 1, k, v));
    }

    String text() {
        return out.toString();
    }

    static String key(String key) {
        return PLAIN_KEY.matcher(key).matches() && !SPECIAL.contains(key.toLowerCase(java.util.Locale.ROOT)) ? key : quoted(key);
    }

    static String quoted(String value) {
        return dev.taskmaster.config.YamlScalars.doubleQuoted(value);
    }
}
