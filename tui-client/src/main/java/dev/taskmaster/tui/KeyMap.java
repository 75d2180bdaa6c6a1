package dev.taskmaster.tui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Extra keys for the table's actions, read from a small file of {@code KEY = ACTION} lines
 * ({@code #} starts a comment): {@code S = stop} makes S stop the selected process as x does.
 * The default keys keep working. A line that cannot be read is an error naming the file, line
 * and column, in the config module's "expected …, found …" words. Immutable once read.
 */
final class KeyMap {

    /** Action names and the default key each stands for. */
    static final Map<String, Character> ACTIONS = actions();

    private static Map<String, Character> actions() {
        Map<String, Character> a = new LinkedHashMap<>();
        a.put("quit", 'q');
        a.put("help", '?');
        a.put("down", 'j');
        a.put("up", 'k');
        a.put("first", 'g');
        a.put("last", 'G');
        a.put("start", 's');
        a.put("stop", 'x');
        a.put("restart", 'r');
        a.put("pause", 'p');
        a.put("signal", 'K');
        a.put("attach", 'a');
        a.put("details", 'd');
        a.put("collapse", ' ');
        a.put("filter", '/');
        a.put("sort", 'o');
        a.put("reverse", 'O');
        a.put("output-back", '[');
        a.put("output-forward", ']');
        a.put("reload", 'R');
        a.put("stop-all", 'X');
        a.put("shutdown", 'Q');
        a.put("log-full", 'L');
        return java.util.Collections.unmodifiableMap(a);
    }

    static final KeyMap NONE = new KeyMap(Map.of());

    private final Map<Character, Character> extra;

    private KeyMap(Map<Character, Character> extra) {
        this.extra = Map.copyOf(extra);
    }

    /** The default key that {@code c} stands for: itself unless the file bound it to an action. */
    char translate(char c) {
        return extra.getOrDefault(c, c);
    }

    /** The keys the file added, as "S = stop" lines, for the help overlay. */
    List<String> describe() {
        return extra.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + " = " + ACTIONS.entrySet().stream().filter(a -> a.getValue().equals(e.getValue()))
                        .findFirst().map(Map.Entry::getKey).orElse("?"))
                .toList();
    }

    /** Where the file is looked for when --keys is not given: $XDG_CONFIG_HOME (else ~/.config)/taskmaster/tui-keys.conf. */
    static Path defaultPath(Map<String, String> env) {
        String xdg = env.get("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("taskmaster").resolve("tui-keys.conf");
    }

    /**
     * Reads {@code file}; an absent default file is no remapping ({@code required} false), an
     * absent named one is an error.
     *
     * @throws IllegalArgumentException {@code file:line:column: expected …, found …}
     */
    static KeyMap read(Path file, boolean required) {
        if (!required && !Files.exists(file)) {
            return NONE;
        }
        List<String> lines;
        try {
            if (Files.size(file) > 64 * 1024) {
                throw new IllegalArgumentException(file + ": expected a key file of at most 64 KiB, found " + Files.size(file) + " bytes");
            }
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read the key file: " + e.getMessage());
        }
        return parse(file.toString(), lines);
    }

    static KeyMap parse(String name, List<String> lines) {
        Map<Character, Character> extra = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String where = name + ":" + (i + 1) + ":";
            int hash = line.indexOf('#');
            // "# = help" binds '#': a comment starts at a # that is not the key itself.
            String body = hash == indent(line) && line.substring(hash + 1).stripLeading().startsWith("=") ? line
                    : hash >= 0 ? line.substring(0, hash) : line;
            if (body.isBlank()) {
                continue;
            }
            int eq = body.indexOf('=', indent(body) + 1);
            if (eq < 0) {
                throw new IllegalArgumentException(where + (indent(body) + 1) + ": expected KEY = ACTION, found \"" + body.strip() + "\"");
            }
            String key = body.substring(0, eq).strip();
            String action = body.substring(eq + 1).strip();
            int keyCol = indent(body) + 1;
            if (key.length() != 1 || key.charAt(0) < ' ' || key.charAt(0) > '~') {
                throw new IllegalArgumentException(where + keyCol + ": expected one printable ASCII character as the key, found \""
                        + key + "\"");
            }
            int actionCol = eq + 2 + (body.substring(eq + 1).length() - body.substring(eq + 1).stripLeading().length());
            Character target = ACTIONS.get(action);
            if (target == null) {
                throw new IllegalArgumentException(where + actionCol + ": expected an action (" + String.join(", ", ACTIONS.keySet())
                        + "), found \"" + action + "\"");
            }
            char k = key.charAt(0);
            Optional<String> taken = ACTIONS.entrySet().stream().filter(a -> a.getValue() == k && !a.getKey().equals(action))
                    .map(Map.Entry::getKey).findFirst();
            if (taken.isPresent()) {
                throw new IllegalArgumentException(where + keyCol + ": expected a key no default binding uses, found \"" + key
                        + "\" (already " + taken.get() + ")");
            }
            if (extra.containsKey(k)) {
                throw new IllegalArgumentException(where + keyCol + ": expected each key once, found \"" + key + "\" bound again");
            }
            extra.put(k, target);
        }
        return new KeyMap(extra);
    }

    private static int indent(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }
}
