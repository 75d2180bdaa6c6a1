package dev.taskmaster.config.supervisord;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The sections of supervisord configuration files, read as supervisord reads them (Python's
 * {@code RawConfigParser} with supervisord's settings): {@code [section]} headers,
 * {@code key = value} or {@code key: value}, whole-line comments starting with {@code #} or
 * {@code ;}, inline comments starting with {@code ;} or {@code #} after a blank, indented
 * continuation lines, option names in lower case, a section or option given twice merged with
 * the later value winning. Unlike Python's parser it keeps where each value was written.
 *
 * <p>Not thread-safe; one reader builds it, then it is only read.
 */
final class IniFile {

    /** One value and where it was written. */
    record Value(String text, Path file, int line, int column) {
        /** The directory of its file, which supervisord substitutes for {@code %(here)s}. */
        Path here() {
            Path parent = file.toAbsolutePath().getParent();
            return parent == null ? Path.of("/") : parent;
        }
    }

    /** One section, as merged from every file that names it. */
    static final class Section {
        private final String name;
        private final Path file;
        private final int line;
        private final Map<String, Value> values = new LinkedHashMap<>();

        Section(String name, Path file, int line) {
            this.name = name;
            this.file = file;
            this.line = line;
        }

        String name() {
            return name;
        }

        Path file() {
            return file;
        }

        int line() {
            return line;
        }

        Optional<Value> get(String key) {
            return Optional.ofNullable(values.get(key));
        }

        Map<String, Value> values() {
            return values;
        }
    }

    /** A line supervisord would refuse to read. */
    static final class SyntaxError extends Exception {
        private final int line;

        SyntaxError(Path file, int line, String message) {
            super(message);
            this.line = line;
        }

        int line() {
            return line;
        }
    }

    private final Map<String, Section> sections = new LinkedHashMap<>();

    Map<String, Section> sections() {
        return sections;
    }

    Optional<Section> section(String name) {
        return Optional.ofNullable(sections.get(name));
    }

    /** Adds the sections of one file's text to those read so far. */
    void read(Path file, String text) throws SyntaxError {
        Section current = null;
        String key = null;
        List<String> lines = text.lines().toList();
        int keyLine = 0;
        int keyColumn = 0;
        List<String> valueLines = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String raw = lines.get(i);
            int lineNo = i + 1;
            String stripped = raw.strip();
            if (stripped.startsWith("#") || stripped.startsWith(";")) {
                continue; // a whole-line comment, also inside a value
            }
            String content = stripInlineComment(raw);
            boolean indented = !raw.isEmpty() && Character.isWhitespace(raw.charAt(0));
            if (content.isBlank()) {
                if (key != null) {
                    valueLines.add(""); // Python keeps empty lines inside a value; trailing ones go at its end
                }
                continue;
            }
            if (indented && key != null) {
                valueLines.add(content.strip());
                continue;
            }
            if (key != null) {
                store(current, key, valueLines, file, keyLine, keyColumn);
                key = null;
            }
            if (stripped.startsWith("[")) {
                int end = stripped.indexOf(']');
                if (end < 0) {
                    throw new SyntaxError(file, lineNo, "a section header without its closing ']': " + stripped);
                }
                String name = stripped.substring(1, end);
                current = sections.computeIfAbsent(name, n -> new Section(n, file, lineNo));
                continue;
            }
            if (current == null) {
                throw new SyntaxError(file, lineNo, "a value before any [section] header: " + stripped);
            }
            int eq = delimiter(content);
            if (eq < 0) {
                throw new SyntaxError(file, lineNo, "expected key = value, found: " + stripped);
            }
            key = content.substring(0, eq).strip().toLowerCase(Locale.ROOT);
            if (key.isEmpty()) {
                throw new SyntaxError(file, lineNo, "a value with no key: " + stripped);
            }
            keyLine = lineNo;
            keyColumn = raw.indexOf(content.strip()) + 1;
            valueLines.clear();
            valueLines.add(content.substring(eq + 1).strip());
        }
        if (key != null) {
            store(current, key, valueLines, file, keyLine, keyColumn);
        }
    }

    private static void store(Section section, String key, List<String> valueLines, Path file, int line, int column) {
        List<String> kept = new ArrayList<>(valueLines);
        while (kept.size() > 1 && kept.getLast().isEmpty()) {
            kept.removeLast();
        }
        section.values.put(key, new Value(String.join("\n", kept).strip(), file, line, column));
    }

    /** The first {@code =} or {@code :}, whichever comes first (Python's delimiters). */
    private static int delimiter(String line) {
        int eq = line.indexOf('=');
        int colon = line.indexOf(':');
        if (eq < 0) {
            return colon;
        }
        return colon < 0 ? eq : Math.min(eq, colon);
    }

    /** Python 3's inline comments: a {@code ;} or {@code #} preceded by a blank starts one. */
    private static String stripInlineComment(String line) {
        for (int i = 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if ((c == ';' || c == '#') && Character.isWhitespace(line.charAt(i - 1))) {
                return line.substring(0, i);
            }
        }
        return line;
    }
}
