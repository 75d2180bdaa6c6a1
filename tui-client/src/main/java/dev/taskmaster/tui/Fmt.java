package dev.taskmaster.tui;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.taskmaster.proto.v1.ExitInfo;
import dev.taskmaster.proto.v1.KilledBySignal;
import dev.taskmaster.proto.v1.ProcessState;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * How protobuf values read on the screen. The wording of exits matches taskmasterctl's
 * ({@code killed by SIGSEGV (core dumped) (unexpected)}); the short forms fit a table cell.
 */
final class Fmt {

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");
    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private Fmt() {}

    /** {@code RUNNING} for PROCESS_STATE_RUNNING; {@code ?} for a state this client does not know. */
    static String state(ProcessState state) {
        return switch (state) {
            case PROCESS_STATE_UNSPECIFIED, UNRECOGNIZED -> "?";
            default -> state.name().substring("PROCESS_STATE_".length());
        };
    }

    /** Hours, minutes, seconds as supervisorctl shows uptimes: {@code 0:01:02}, {@code 123:00:09}. */
    static String hms(long seconds) {
        long s = Math.max(0, seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    /** A protobuf duration as {@link #hms(long)}. */
    static String hms(Duration d) {
        return hms(d.getSeconds());
    }

    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    static String clock(Instant t, ZoneId zone) {
        return CLOCK.format(t.atZone(zone));
    }

    static String dateTime(Timestamp t, ZoneId zone) {
        return DATE_TIME.format(instant(t).atZone(zone));
    }

    /** A short delay: {@code 250ms}, {@code 2s}, {@code 1.5s}, else {@link #hms}. */
    static String shortDuration(Duration d) {
        long millis = d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return millis % 1000 == 0 ? millis / 1000 + "s" : String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        return hms(d);
    }

    /** How a process ended, in full: never "exit 139", but "killed by SIGSEGV (core dumped) (unexpected)". */
    static String exit(ExitInfo exit) {
        String how = switch (exit.getOutcomeCase()) {
            case EXITED -> "exited with code " + exit.getExited().getCode();
            case KILLED -> "killed by " + signal(exit.getKilled()) + (exit.getKilled().getCoreDumped() ? " (core dumped)" : "");
            case SPAWN_FAILED -> "spawn failed: " + exit.getSpawnFailed().getReason();
            case UNKNOWN -> "ended with an unknown status";
            case OUTCOME_NOT_SET -> "ended";
        };
        return exit.getOutcomeCase() == ExitInfo.OutcomeCase.SPAWN_FAILED ? how
                : how + (exit.getExpected() ? " (expected)" : " (unexpected)");
    }

    /**
     * How a process ended, for a table cell: {@code exit 0}, {@code exit 1!}, {@code SIGKILL!},
     * {@code SIGSEGV core!}, {@code spawn error!}. A trailing {@code !} marks an unexpected end.
     */
    static String shortExit(ExitInfo exit) {
        String how = switch (exit.getOutcomeCase()) {
            case EXITED -> "exit " + exit.getExited().getCode();
            case KILLED -> signal(exit.getKilled()) + (exit.getKilled().getCoreDumped() ? " core" : "");
            case SPAWN_FAILED -> "spawn error";
            case UNKNOWN, OUTCOME_NOT_SET -> "unknown";
        };
        return exit.getExpected() && exit.getOutcomeCase() != ExitInfo.OutcomeCase.SPAWN_FAILED ? how : how + "!";
    }

    private static String signal(KilledBySignal k) {
        return k.getSignalName().isEmpty() ? "signal " + k.getSignalNumber() : "SIG" + k.getSignalName();
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
