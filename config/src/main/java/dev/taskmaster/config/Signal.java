package dev.taskmaster.config;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A Linux signal, by number and conventional name (without the {@code SIG} prefix).
 * Numbers are those of x86-64 and aarch64 (the generic Linux numbering).
 *
 * @param number 1 … 64
 * @param name   {@code TERM}, {@code USR1}, …; {@code RTMIN+n} for real-time signals
 */
public record Signal(int number, String name) {

    public static final int MAX = 64;
    private static final int RTMIN = 34;

    private static final List<Signal> STANDARD = List.of(
            new Signal(1, "HUP"), new Signal(2, "INT"), new Signal(3, "QUIT"), new Signal(4, "ILL"),
            new Signal(5, "TRAP"), new Signal(6, "ABRT"), new Signal(7, "BUS"), new Signal(8, "FPE"),
            new Signal(9, "KILL"), new Signal(10, "USR1"), new Signal(11, "SEGV"), new Signal(12, "USR2"),
            new Signal(13, "PIPE"), new Signal(14, "ALRM"), new Signal(15, "TERM"), new Signal(16, "STKFLT"),
            new Signal(17, "CHLD"), new Signal(18, "CONT"), new Signal(19, "STOP"), new Signal(20, "TSTP"),
            new Signal(21, "TTIN"), new Signal(22, "TTOU"), new Signal(23, "URG"), new Signal(24, "XCPU"),
            new Signal(25, "XFSZ"), new Signal(26, "VTALRM"), new Signal(27, "PROF"), new Signal(28, "WINCH"),
            new Signal(29, "IO"), new Signal(30, "PWR"), new Signal(31, "SYS"));

    private static final Map<String, Signal> BY_NAME = STANDARD.stream()
            .collect(Collectors.toMap(Signal::name, Function.identity()));
    private static final Map<String, String> ALIASES = Map.of("IOT", "ABRT", "POLL", "IO", "CLD", "CHLD");

    public static final Signal TERM = BY_NAME.get("TERM");
    public static final Signal KILL = BY_NAME.get("KILL");
    public static final Signal STOP = BY_NAME.get("STOP");
    public static final Signal CONT = BY_NAME.get("CONT");

    /** All signals with a conventional name, in number order (for help texts and completion). */
    public static List<Signal> named() {
        return STANDARD;
    }

    /** The signal with this number, if it is a valid Linux signal number. */
    public static Optional<Signal> ofNumber(int number) {
        if (number < 1 || number > MAX) {
            return Optional.empty();
        }
        if (number <= STANDARD.size()) {
            return Optional.of(STANDARD.get(number - 1));
        }
        // 32 and 33 are reserved by glibc for its threads; they still have no name.
        return Optional.of(new Signal(number, number >= RTMIN ? "RTMIN+" + (number - RTMIN) : String.valueOf(number)));
    }

    /**
     * Parses {@code TERM}, {@code SIGTERM}, {@code sigterm}, {@code 15}, or {@code RTMIN+2}.
     * Empty when the text names no signal. Strict: ASCII letters and digits only, nothing
     * around them, so that {@code "9 "}, a fullwidth {@code "９"} or an Arabic-Indic digit is
     * no signal (as {@link Character#isDigit} and {@link String#strip} would have it), and no
     * case mapping can turn another letter into one of a name ({@code "ſigterm"}).
     */
    public static Optional<Signal> parse(String text) {
        if (text.isEmpty() || !text.chars().allMatch(c -> c < 0x80 && (Character.isLetterOrDigit(c) || c == '+'))) {
            return Optional.empty();
        }
        String t = text.toUpperCase(Locale.ROOT);
        if (t.chars().allMatch(Signal::isAsciiDigit)) {
            return t.length() > 2 ? Optional.empty() : ofNumber(Integer.parseInt(t));
        }
        if (t.startsWith("SIG")) {
            t = t.substring(3);
        }
        t = ALIASES.getOrDefault(t, t);
        if (t.startsWith("RTMIN+")) {
            String n = t.substring("RTMIN+".length());
            if (!n.isEmpty() && n.length() <= 2 && n.chars().allMatch(Signal::isAsciiDigit)) {
                return ofNumber(RTMIN + Integer.parseInt(n)).filter(s -> s.number() > RTMIN - 1);
            }
            return Optional.empty();
        }
        return Optional.ofNullable(BY_NAME.get(t));
    }

    private static boolean isAsciiDigit(int c) {
        return c >= '0' && c <= '9';
    }

    /** {@code SIGTERM}, or the number for an unnamed signal. */
    public String displayName() {
        return Character.isDigit(name.charAt(0)) ? name : "SIG" + name;
    }
}
