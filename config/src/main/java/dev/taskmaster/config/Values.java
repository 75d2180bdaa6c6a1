package dev.taskmaster.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions.ScalarStyle;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Typed values read from YAML nodes. Numbers and booleans are read from the text as written,
 * not from what a YAML 1.1 resolver makes of it ({@code 022} is not octal here, except for
 * {@code umask}, where it always is). Every method reports a problem and returns empty when the
 * node is not what is expected.
 */
final class Values {

    private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");
    private static final Pattern DURATION_PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*(B|KB|MB|GB|KIB|MIB|GIB|K|M|G)?");
    static final String DURATION_EXPECTED = "a duration (seconds, or a number with ms, s, m or h, like 500ms or 1m30s)";
    static final String SIZE_EXPECTED = "a size (bytes, or a number with KB, MB or GB)";

    private Values() {
    }

    /** How a node looks to a person: {@code "text"} for strings, the text for plain scalars, or its kind. */
    static String describe(Node node) {
        if (node instanceof ScalarNode s) {
            if (s.getTag().equals(Tag.NULL)) {
                return "nothing";
            }
            String value = quotable(s.getValue());
            return s.getScalarStyle() == ScalarStyle.PLAIN && !s.getTag().equals(Tag.STR) ? value : "\"" + value + "\"";
        }
        if (node instanceof SequenceNode) {
            return "a list";
        }
        if (node instanceof MappingNode) {
            return "a mapping";
        }
        return "a " + node.getNodeId();
    }

    /**
     * A value as it may appear in a message: whole when short, else its start, its end and its
     * length, since a value may be megabytes long and quoted in every error about it.
     */
    static String quotable(String value) {
        if (value.length() <= Limits.QUOTED_CHARS) {
            return value;
        }
        int part = Limits.QUOTED_CHARS / 2;
        return value.substring(0, part) + "…" + value.substring(value.length() - part / 2)
                + " (" + value.length() + " characters)";
    }

    /** {@link #describe} of a size, with its bytes when it was written with a unit: {@code "1KB" (1024 bytes)}. */
    static String describeSize(Node node, long bytes) {
        boolean inBytes = node instanceof ScalarNode s && s.getValue().strip().equals(Long.toString(bytes));
        return inBytes ? describe(node) : describe(node) + " (" + bytes + " bytes)";
    }

    static boolean isNull(Node node) {
        return node instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    /** Any scalar but null, as written. */
    static Optional<String> text(Source src, Node node, String path, String expected) {
        if (node instanceof ScalarNode s && !isNull(s)) {
            return Optional.of(s.getValue());
        }
        src.error(node, path, "expected " + expected + ", found " + describe(node));
        return Optional.empty();
    }

    /**
     * False, with an error, for text with a NUL character in it (a double-quoted YAML string can
     * hold one as {@code "\0"}): what goes to the kernel as a C string (an argument, a variable,
     * a user name) ends at the first NUL, so the program would silently get less than was
     * written, or nothing could start it.
     */
    static boolean noNul(Source src, Node node, String path, String text, String expected) {
        int at = text.indexOf('\0');
        if (at < 0) {
            return true;
        }
        src.error(node, path, "expected " + expected + " without NUL characters (the kernel ends every argument,"
                + " variable and name at a NUL), found one at character " + (at + 1));
        return false;
    }

    /** A plain (unquoted) scalar's text, or empty with an error naming what was expected. */
    private static Optional<String> plain(Source src, Node node, String path, String expected) {
        if (node instanceof ScalarNode s && s.getScalarStyle() == ScalarStyle.PLAIN && !isNull(s)) {
            return Optional.of(s.getValue());
        }
        src.error(node, path, "expected " + expected + ", found " + describe(node));
        return Optional.empty();
    }

    static Optional<Boolean> bool(Source src, Node node, String path) {
        String expected = "true or false";
        return plain(src, node, path, expected).flatMap(t -> switch (t.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> Optional.of(true);
            case "false", "no", "off" -> Optional.of(false);
            default -> {
                src.error(node, path, "expected " + expected + ", found " + describe(node));
                yield Optional.empty();
            }
        });
    }

    static Optional<Integer> integer(Source src, Node node, String path, int min, int max) {
        String expected = range("an integer", min, max);
        return plain(src, node, path, expected).flatMap(t -> {
            if (INTEGER.matcher(t).matches()) {
                try {
                    int v = Integer.parseInt(t.startsWith("+") ? t.substring(1) : t);
                    if (v >= min && v <= max) {
                        return Optional.of(v);
                    }
                } catch (NumberFormatException tooBig) {
                    // reported below like any out-of-range value
                }
            }
            src.error(node, path, "expected " + expected + ", found " + describe(node));
            return Optional.empty();
        });
    }

    static Optional<Double> decimal(Source src, Node node, String path, double min) {
        String expected = "a number >= " + BigDecimal.valueOf(min).stripTrailingZeros().toPlainString();
        return plain(src, node, path, expected).flatMap(t -> {
            try {
                double v = Double.parseDouble(t);
                if (v >= min && Double.isFinite(v)) {
                    return Optional.of(v);
                }
            } catch (NumberFormatException notANumber) {
                // reported below
            }
            src.error(node, path, "expected " + expected + ", found " + describe(node));
            return Optional.empty();
        });
    }

    /** Seconds as a number ({@code 5}, {@code 0.5}), or {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code 1m30s}. */
    static Optional<Duration> duration(Source src, Node node, String path) {
        Optional<String> text = text(src, node, path, DURATION_EXPECTED);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String t = text.get().strip().toLowerCase(Locale.ROOT);
        if (t.startsWith("-")) {
            src.error(node, path, "expected " + DURATION_EXPECTED + ", found a negative time " + describe(node));
            return Optional.empty();
        }
        Optional<Duration> parsed = parseDuration(t);
        if (parsed.isEmpty()) {
            src.error(node, path, "expected " + DURATION_EXPECTED + ", found " + describe(node));
        }
        return parsed;
    }

    static Optional<Duration> parseDuration(String t) {
        try {
            if (t.matches("[0-9]+(\\.[0-9]+)?")) {
                return Optional.of(ofSeconds(new BigDecimal(t)));
            }
            Matcher m = DURATION_PART.matcher(t);
            Duration total = Duration.ZERO;
            int at = 0;
            while (at < t.length() && m.find(at) && m.start() == at) {
                BigDecimal n = new BigDecimal(m.group(1));
                total = total.plus(switch (m.group(2)) {
                    case "ms" -> ofSeconds(n.movePointLeft(3));
                    case "s" -> ofSeconds(n);
                    case "m" -> ofSeconds(n.multiply(BigDecimal.valueOf(60)));
                    default -> ofSeconds(n.multiply(BigDecimal.valueOf(3600)));
                });
                at = m.end();
            }
            return at == t.length() && at > 0 ? Optional.of(total) : Optional.empty();
        } catch (ArithmeticException tooLarge) {
            return Optional.empty();
        }
    }

    private static Duration ofSeconds(BigDecimal seconds) {
        return Duration.ofNanos(seconds.movePointRight(9).longValueExact());
    }

    /** Bytes: {@code 1048576}, {@code 50MB}, {@code 1GiB}. K, M and G are powers of 1024, as in supervisord. */
    static Optional<Long> size(Source src, Node node, String path) {
        Optional<String> text = text(src, node, path, SIZE_EXPECTED);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Matcher m = SIZE.matcher(text.get().strip().toUpperCase(Locale.ROOT));
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "B" : m.group(2);
                long factor = switch (unit.charAt(0)) {
                    case 'K' -> 1L << 10;
                    case 'M' -> 1L << 20;
                    case 'G' -> 1L << 30;
                    default -> 1;
                };
                return Optional.of(Math.multiplyExact(n, factor));
            } catch (NumberFormatException | ArithmeticException tooLarge) {
                // reported below
            }
        }
        src.error(node, path, "expected " + SIZE_EXPECTED + ", found " + describe(node));
        return Optional.empty();
    }

    /** The digits as written, always octal: {@code 022}, {@code 22} and {@code 0o22} are all 18. */
    static Optional<Integer> umask(Source src, Node node, String path) {
        return octal(src, node, path, "an octal umask from 000 to 777, like 022", 0);
    }

    /**
     * A log file's permissions, always octal like {@link #umask}. The owner keeps read and write:
     * the daemon appends to its files and reads its own log back ({@code ReadDaemonLog}).
     */
    static Optional<Integer> fileMode(Source src, Node node, String path) {
        return octal(src, node, path, "an octal file mode from 600 to 777 (the owner keeps read and write), like 640",
                0600);
    }

    /** One to four octal digits (optionally after {@code 0o}) at most 0777, with every bit of {@code required} set. */
    private static Optional<Integer> octal(Source src, Node node, String path, String expected, int required) {
        return text(src, node, path, expected).flatMap(t -> {
            String digits = t.strip();
            if (digits.startsWith("0o") || digits.startsWith("0O")) {
                digits = digits.substring(2);
            }
            if (digits.matches("[0-7]{1,4}")) {
                int v = Integer.parseInt(digits, 8);
                if (v <= 0777 && (v & required) == required) {
                    return Optional.of(v);
                }
            }
            src.error(node, path, "expected " + expected + ", found " + describe(node));
            return Optional.empty();
        });
    }

    private static String range(String what, int min, int max) {
        if (max == Integer.MAX_VALUE) {
            return what + " >= " + min;
        }
        return what + " from " + min + " to " + max;
    }
}
