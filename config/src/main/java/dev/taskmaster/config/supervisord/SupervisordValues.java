package dev.taskmaster.config.supervisord;

import dev.taskmaster.config.Signal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * supervisord's value types (its {@code datatypes.py}): what it accepts for a boolean, an
 * integer, a size, a signal, {@code autorestart}, {@code exitcodes} and an octal mode, with
 * its own wording when it refuses one. Each parser throws {@link IllegalArgumentException}
 * with the sentence; stateless, safe from any thread.
 */
final class SupervisordValues {

    private static final Pattern SIZE = Pattern.compile("(?i)\\d+(kb|mb|gb)?");

    private SupervisordValues() {
    }

    static boolean bool(String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "yes", "true", "on", "1" -> true;
            case "no", "false", "off", "0" -> false;
            default -> throw new IllegalArgumentException("not a valid boolean value: \"" + text
                    + "\"; expected true/false, yes/no, on/off or 1/0");
        };
    }

    static int integer(String text) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an integer: \"" + text + "\"");
        }
    }

    /** A size as supervisord writes it ({@code 50MB}, {@code 1024}), returned as written: Taskmaster reads the same units. */
    static String size(String text) {
        if (!SIZE.matcher(text.strip()).matches()) {
            throw new IllegalArgumentException("not a size: \"" + text + "\"; expected bytes, or a number with KB, MB or GB");
        }
        return text.strip();
    }

    /** The signal's name without {@code SIG}, as Taskmaster writes it. */
    static String signal(String text) {
        Optional<Signal> s = Signal.parse(text.strip());
        return s.orElseThrow(() -> new IllegalArgumentException("value \"" + text + "\" is not a valid signal name"))
                .displayName().replaceFirst("^SIG", "");
    }

    /** {@code always}, {@code never} or {@code unexpected}. */
    static String autorestart(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        if (t.equals("unexpected")) {
            return "unexpected";
        }
        try {
            return bool(t) ? "always" : "never";
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid 'autorestart' value \"" + text + "\"; expected true, false or unexpected");
        }
    }

    static List<Integer> exitcodes(String text) {
        List<Integer> codes = new ArrayList<>();
        if (text.isBlank()) {
            return codes;
        }
        for (String part : text.split(",")) {
            int code;
            try {
                code = Integer.parseInt(part.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a valid list of exit codes: \"" + text + "\"");
            }
            if (code < 0 || code > 255) {
                throw new IllegalArgumentException("invalid exit code \"" + code + "\" in \"" + text + "\"; expected 0 to 255");
            }
            codes.add(code);
        }
        return codes;
    }

    /** Three octal digits ({@code 022}), as Taskmaster reads a umask. */
    static String octal(String text) {
        try {
            int mode = Integer.parseInt(text.strip(), 8);
            if (mode < 0 || mode > 0777) {
                throw new NumberFormatException();
            }
            return String.format("%03o", mode);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + text + "\" can not be converted to an octal type");
        }
    }
}
