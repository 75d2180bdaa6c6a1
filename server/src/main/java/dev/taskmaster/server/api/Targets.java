package dev.taskmaster.server.api;

import dev.taskmaster.config.InstanceSpec;
import dev.taskmaster.config.Suggestions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Resolves supervisorctl-style targets to instance names: {@code all}; {@code group:*} (every
 * instance of the group); an instance name ({@code web:0}); a program name (all its
 * instances); else a group name (every instance of the group); {@code group:name} (an instance or program of that group). Also the one place
 * that quotes what a caller typed back into an error ({@link #quote}). Stateless.
 */
final class Targets {

    /** Echoed user input longer than this is cut: a status description travels in a header of limited size. */
    static final int QUOTED_CHARS = 200;
    /**
     * What a target can be made of: the characters of names ({@code [A-Za-z0-9_.:@-]}), and
     * {@code *} only as the whole name part of {@code group:*}. Anything else can match no
     * process, so it is a malformed target (INVALID_ARGUMENT), not an unknown one (NOT_FOUND).
     */
    private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9_.:@-]+|[A-Za-z0-9_.@-]+:\\*");

    /** The order of the contract's results: by priority, then by full name (numbers in names by value: web:2 before web:10). */
    static final Comparator<InstanceSpec> ORDER = Comparator.<InstanceSpec>comparingInt(i -> i.program().priority())
            .thenComparing(InstanceSpec::name, Targets::compareNames);

    private Targets() {
    }

    /**
     * {@code text} in double quotes, as an error repeats what a caller sent: whole up to
     * {@value #QUOTED_CHARS} characters, else its first {@value #QUOTED_CHARS} characters, "…"
     * and its length ({@code "aaaa…" (102400 characters)}). Control characters are escaped so
     * the description stays one line. Every echo of user input in a status description goes
     * through here.
     */
    static String quote(String text) {
        String head = text;
        String tail = "";
        if (text.length() > QUOTED_CHARS) {
            int cut = Character.isHighSurrogate(text.charAt(QUOTED_CHARS - 1)) ? QUOTED_CHARS - 1 : QUOTED_CHARS;
            head = text.substring(0, cut);
            tail = "…\" (" + text.length() + " characters)";
        }
        StringBuilder b = new StringBuilder(head.length() + 2 + tail.length()).append('"');
        head.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029) {
                        b.append(String.format(java.util.Locale.ROOT, "\\u%04x", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return tail.isEmpty() ? b.append('"').toString() : b.append(tail).toString();
    }

    /**
     * @param instances every instance
     * @return the names, ordered by {@link #ORDER}, each once
     * @throws StatusRuntimeException for the first target in error: INVALID_ARGUMENT naming it when
     *         it is malformed, NOT_FOUND naming it, with a suggestion, when it matches nothing
     */
    static List<String> resolve(List<String> targets, List<InstanceSpec> instances) {
        Set<String> wanted = new LinkedHashSet<>();
        for (String target : targets) {
            // In the order given, as before: the first target in error is the one the call names.
            requireWellFormed(target);
            List<String> matched = match(target, instances);
            if (matched.isEmpty()) {
                throw Status.NOT_FOUND.withDescription("no process, program or group named " + quote(target)
                        + suggestion(target, instances)).asRuntimeException();
            }
            wanted.addAll(matched);
        }
        return instances.stream().filter(i -> wanted.contains(i.name())).sorted(ORDER).map(InstanceSpec::name).toList();
    }

    /** Targets for a command that changes state: at least one is required. */
    static List<String> required(List<String> targets, List<InstanceSpec> instances) {
        if (targets.isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription("name what to act on: a process or program name,"
                    + " group:name, group:* or all").asRuntimeException();
        }
        return resolve(targets, instances);
    }

    /**
     * @throws StatusRuntimeException INVALID_ARGUMENT for an empty target, or one with a character
     *         no name has (a space, a control character, a letter outside ASCII…)
     */
    static void requireWellFormed(String target) {
        if (target.isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription("empty target; expected a process or program name,"
                    + " group:name, group:* or all").asRuntimeException();
        }
        if (!WELL_FORMED.matcher(target).matches()) {
            throw Status.INVALID_ARGUMENT.withDescription("malformed target " + quote(target) + "; expected a process or"
                    + " program name, group:name, group:* or all (letters, digits, '_', '.', ':', '@', '-')").asRuntimeException();
        }
    }

    /**
     * @throws StatusRuntimeException INVALID_ARGUMENT when {@code name} is empty: {@code field} is
     *         required (the contract's "Required" for a name)
     */
    static void requireName(String field, String name) {
        if (name.isEmpty()) {
            throw Status.INVALID_ARGUMENT.withDescription(field + " is required; it is empty").asRuntimeException();
        }
    }

    private static List<String> match(String t, List<InstanceSpec> instances) {
        if (t.equals("all")) {
            return instances.stream().map(InstanceSpec::name).toList();
        }
        List<String> exact = instances.stream().filter(i -> i.name().equals(t)).map(InstanceSpec::name).toList();
        if (!exact.isEmpty()) {
            return exact;
        }
        int colon = t.indexOf(':');
        if (colon < 0) {
            List<String> program = instances.stream().filter(i -> i.program().name().equals(t)).map(InstanceSpec::name).toList();
            // The contract's last resort for a bare name: the group of that name (supervisorctl's
            // "status batch"). A program of the same name wins, as it always did.
            return !program.isEmpty() ? program
                    : instances.stream().filter(i -> i.program().group().equals(t)).map(InstanceSpec::name).toList();
        }
        String group = t.substring(0, colon);
        String name = t.substring(colon + 1);
        List<String> out = new ArrayList<>();
        for (InstanceSpec i : instances) {
            if (i.program().group().equals(group)
                    && (name.equals("*") || i.name().equals(name) || i.program().name().equals(name))) {
                out.add(i.name());
            }
        }
        return out;
    }

    private static String suggestion(String target, Collection<InstanceSpec> instances) {
        Set<String> names = new TreeSet<>();
        for (InstanceSpec i : instances) {
            names.add(i.name());
            names.add(i.program().name());
            names.add(i.program().group() + ":*");
            names.add(i.program().group());
        }
        return Suggestions.closest(target, names).map(n -> "; did you mean \"" + n + "\"?").orElse("");
    }

    /** Names compared as people read them: runs of digits by their value, the rest character by character. */
    static int compareNames(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i);
            char y = b.charAt(j);
            if (isDigit(x) && isDigit(y)) {
                int ei = digitsEnd(a, i);
                int ej = digitsEnd(b, j);
                // By value: leading zeros left out (one digit kept), then the longer run is the
                // larger number, and runs of one length compare digit by digit. No string is
                // made: every ListProcesses sorts its answer with this.
                int si = significant(a, i, ei);
                int sj = significant(b, j, ej);
                int c = Integer.compare(ei - si, ej - sj);
                for (int k = 0; c == 0 && k < ei - si; k++) {
                    c = Character.compare(a.charAt(si + k), b.charAt(sj + k));
                }
                if (c != 0) {
                    return c;
                }
                i = ei;
                j = ej;
            } else {
                if (x != y) {
                    return Character.compare(x, y);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** Where the digits {@code from}..{@code end} of {@code s} start once leading zeros are left out (the last digit stays). */
    private static int significant(String s, int from, int end) {
        int k = from;
        while (k < end - 1 && s.charAt(k) == '0') {
            k++;
        }
        return k;
    }

    private static int digitsEnd(String s, int from) {
        int k = from;
        while (k < s.length() && isDigit(s.charAt(k))) {
            k++;
        }
        return k;
    }
}
