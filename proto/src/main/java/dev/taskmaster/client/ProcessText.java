package dev.taskmaster.client;

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
 * How the contract's process values read for a person, the same in taskmasterctl and
 * taskmaster-tui: states, uptimes, delays, times and exits. Stateless; any thread.
 */
public final class ProcessText {

    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private ProcessText() {}

    /** {@code RUNNING} for PROCESS_STATE_RUNNING; {@code ?} for a state this client does not know. */
    public static String state(ProcessState state) {
        return switch (state) {
            case PROCESS_STATE_UNSPECIFIED, UNRECOGNIZED -> "?";
            default -> state.name().substring("PROCESS_STATE_".length());
        };
    }

    /** Hours, minutes, seconds as supervisorctl shows uptimes: {@code 0:01:02}, {@code 123:00:09}. */
    public static String hms(long seconds) {
        long s = Math.max(0, seconds);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    /** A protobuf duration as {@link #hms(long)}. */
    public static String hms(Duration d) {
        return hms(d.getSeconds());
    }

    /** A short delay: {@code 250ms}, {@code 2s}, {@code 1.5s}, else {@link #hms}. */
    public static String shortDuration(Duration d) {
        long millis = d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return millis % 1000 == 0 ? millis / 1000 + "s" : String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        return hms(d);
    }

    /** A wall-clock date and time in {@code zone}: {@code 2026-11-18 11:06:40}. */
    public static String dateTime(Timestamp t, ZoneId zone) {
        return DATE_TIME.format(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).atZone(zone));
    }

    /** How a process ended, in full: never "exit 139", but "killed by SIGSEGV (core dumped) (unexpected)". */
    public static String exit(ExitInfo exit) {
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

    /** {@code SIGKILL}, or {@code signal 42} for a number without a name. */
    public static String signal(KilledBySignal k) {
        return k.getSignalName().isEmpty() ? "signal " + k.getSignalNumber() : "SIG" + k.getSignalName();
    }
}
