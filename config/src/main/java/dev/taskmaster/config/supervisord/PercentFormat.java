package dev.taskmaster.config.supervisord;

import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * supervisord's expansions: Python's {@code text % mapping}, so {@code %(name)s},
 * {@code %(name)d} with an optional width and flags ({@code %(process_num)02d}) and {@code %%}.
 * A value that Taskmaster expands itself when the program starts ({@code %(ENV_HOME)s} becomes
 * {@code ${HOME}}) is left as a {@linkplain #envReference reference} for the writer to place.
 *
 * <p>Stateless; safe from any thread.
 */
final class PercentFormat {

    private static final Pattern SPEC = Pattern.compile("%(?:\\(([^)]*)\\))?([-#0 +]*)(\\d*)(?:\\.(\\d+))?([a-zA-Z%])");
    private static final char REF_START = '\u0001';
    private static final char REF_END = '\u0002';

    private PercentFormat() {
    }

    /** A variable of the daemon's environment, to be read when the program starts. */
    static String envReference(String variable) {
        return REF_START + variable + REF_END;
    }

    /** The variable names of the references in {@code text}, as Taskmaster writes them: {@code ${NAME}}; every other {@code ${} escaped. */
    static String toTaskmaster(String text) {
        String escaped = text.replace("${", "$${");
        StringBuilder out = new StringBuilder(escaped.length());
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (c == REF_START) {
                int end = escaped.indexOf(REF_END, i);
                out.append("${").append(escaped, i + 1, end).append('}');
                i = end;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * @param values names to values: {@link String}, {@link Integer}, or an {@link #envReference}
     * @throws IllegalArgumentException in supervisord's words: a name that cannot be expanded,
     *                                  with the names that can, or a badly formatted string
     */
    static String expand(String text, Map<String, ?> values) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        Matcher m = SPEC.matcher(text);
        int at = 0;
        while (at < text.length()) {
            int pct = text.indexOf('%', at);
            if (pct < 0) {
                out.append(text, at, text.length());
                break;
            }
            out.append(text, at, pct);
            if (!m.find(pct) || m.start() != pct) {
                throw new IllegalArgumentException("format string \"" + text + "\" is badly formatted: an incomplete % at character "
                        + (pct + 1) + " (write %% for a literal %)");
            }
            String conversion = m.group(5);
            if (conversion.equals("%")) {
                out.append('%');
            } else {
                String name = m.group(1);
                if (name == null) {
                    throw new IllegalArgumentException("format string \"" + text + "\" is badly formatted: \"" + m.group()
                            + "\" names no value; expected %(name)s");
                }
                Object value = values.get(name);
                if (value == null) {
                    throw new IllegalArgumentException("format string \"" + text + "\" contains a name (" + name
                            + ") which cannot be expanded; available names: " + String.join(", ", new TreeSet<>(values.keySet())));
                }
                out.append(format(text, value, m.group(2), m.group(3), conversion));
            }
            at = m.end();
        }
        return out.toString();
    }

    private static String format(String text, Object value, String flags, String width, String conversion) {
        String body = switch (conversion) {
            case "s", "r" -> String.valueOf(value);
            case "d", "i", "u" -> {
                if (!(value instanceof Integer n)) {
                    throw new IllegalArgumentException("format string \"" + text + "\" is badly formatted: %" + conversion
                            + " needs a number, found \"" + value + "\"");
                }
                yield Integer.toString(n);
            }
            default -> throw new IllegalArgumentException("format string \"" + text + "\" is badly formatted: unsupported format character '"
                    + conversion + "'");
        };
        int w = width.isEmpty() ? 0 : Integer.parseInt(width);
        if (body.length() >= w) {
            return body;
        }
        String pad = (flags.contains("0") && !flags.contains("-") && !conversion.equals("s") ? "0" : " ").repeat(w - body.length());
        if (flags.contains("-")) {
            return body + " ".repeat(w - body.length());
        }
        if (pad.startsWith("0") && body.startsWith("-")) {
            return "-" + pad + body.substring(1);
        }
        return pad + body;
    }
}
