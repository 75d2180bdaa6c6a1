package dev.taskmaster.tui;

import com.google.protobuf.Timestamp;
import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.ExitInfo;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The screen's short forms of values, to fit a table cell; the full wording (states, uptimes,
 * exits) is {@link ProcessText}'s, shared with taskmasterctl.
 */
final class Fmt {

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private Fmt() {}

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    static String clock(Instant t, ZoneId zone) {
        return CLOCK.format(t.atZone(zone));
    }

    /**
     * How a process ended, for a table cell: {@code exit 0}, {@code exit 1!}, {@code SIGKILL!},
     * {@code SIGSEGV core!}, {@code spawn error!}. A trailing {@code !} marks an unexpected end.
     */
    static String shortExit(ExitInfo exit) {
        String how = switch (exit.getOutcomeCase()) {
            case EXITED -> "exit " + exit.getExited().getCode();
            case KILLED -> ProcessText.signal(exit.getKilled()) + (exit.getKilled().getCoreDumped() ? " core" : "");
            case SPAWN_FAILED -> "spawn error";
            case UNKNOWN, OUTCOME_NOT_SET -> "unknown";
        };
        return exit.getExpected() && exit.getOutcomeCase() != ExitInfo.OutcomeCase.SPAWN_FAILED ? how : how + "!";
    }

    /** A CPU share: {@code 0.0}, {@code 12.5}, {@code 250}. */
    static String percent(double p) {
        return p >= 100 ? String.format(Locale.ROOT, "%.0f", p) : String.format(Locale.ROOT, "%.1f", p);
    }

    /** A byte count in binary units, at most 6 characters: {@code 512B}, {@code 12.3M}, {@code 1.2G}. */
    static String bytes(long n) {
        if (n < 1024) {
            return n + "B";
        }
        String units = "KMGTPE";
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length() - 1) {
            v /= 1024;
            u++;
        }
        return (v >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.1f", v)) + units.charAt(u);
    }

    /** {@code text} cut or padded to exactly {@code width} columns; a cut is marked with {@code ~}. */
    static String fit(String text, int width) {
        if (width <= 0) {
            return "";
        }
        if (text.length() > width) {
            return width == 1 ? "~" : text.substring(0, width - 1) + "~";
        }
        return text + " ".repeat(width - text.length());
    }

    /** {@code text} right-aligned in {@code width} columns (cut like {@link #fit}). */
    static String right(String text, int width) {
        return text.length() >= width ? fit(text, width) : " ".repeat(width - text.length()) + text;
    }
}
