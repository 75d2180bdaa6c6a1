package dev.taskmaster.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code process_name} patterns in supervisord's syntax: {@code %(program_name)s},
 * {@code %(group_name)s}, {@code %(process_num)d} with an optional width such as {@code 02d},
 * and {@code %%} for a literal percent sign.
 */
final class ProcessNames {

    private static final Pattern REFERENCE = Pattern.compile("%%|%\\((\\w+)\\)(0?[0-9]*)([sd])");
    /** What an instance name may contain: it is typed on command lines and used in file names. */
    static final Pattern VALID_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:@-]*");

    private ProcessNames() {
    }

    /** @throws IllegalArgumentException for an unknown reference or a stray {@code %} */
    static String format(String pattern, String program, String group, int processNum) {
        Matcher m = REFERENCE.matcher(pattern);
        StringBuilder out = new StringBuilder();
        int at = 0;
        while (m.find()) {
            literal(pattern, at, m.start(), out);
            if (m.group().equals("%%")) {
                out.append('%');
            } else {
                out.append(value(m.group(1), m.group(2), m.group(3), program, group, processNum));
            }
            at = m.end();
        }
        literal(pattern, at, pattern.length(), out);
        return out.toString();
    }

    /** Whether the pattern makes a different name for each process number. */
    static boolean usesProcessNum(String pattern) {
        Matcher m = REFERENCE.matcher(pattern);
        while (m.find()) {
            if ("process_num".equals(m.group(1))) {
                return true;
            }
        }
        return false;
    }

    private static void literal(String pattern, int from, int to, StringBuilder out) {
        int stray = pattern.indexOf('%', from);
        if (stray >= 0 && stray < to) {
            throw new IllegalArgumentException("unexpected \"%\" at character " + (stray + 1)
                    + "; expected %(program_name)s, %(group_name)s, %(process_num)d or %%");
        }
        out.append(pattern, from, to);
    }

    private static String value(String name, String width, String conversion, String program, String group, int num) {
        Object v = switch (name) {
            case "program_name" -> program;
            case "group_name" -> group;
            case "process_num" -> num;
            default -> throw new IllegalArgumentException("unknown name \"%(" + name
                    + ")\"; expected program_name, group_name or process_num");
        };
        if (conversion.equals("d") && !(v instanceof Integer)) {
            throw new IllegalArgumentException("%(" + name + ")d: " + name + " is text; use %(" + name + ")s");
        }
        return String.format("%" + width + conversion, v);
    }
}
