package dev.taskmaster.cli;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.taskmaster.proto.v1.ExitInfo;
import dev.taskmaster.proto.v1.KilledBySignal;
import dev.taskmaster.proto.v1.ProcessState;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** How protobuf values read in a terminal: states, durations, times and exits. */
final class Formats {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");

    private Formats() {}

    /** {@code RUNNING} for PROCESS_STATE_RUNNING; {@code ?} for a state this client does not know. */
    static String state(ProcessState state) {
        return switch (state) {
            case PROCESS_STATE_UNSPECIFIED, UNRECOGNIZED -> "?";
            default -> state.name().substring("PROCESS_STATE_".length());
        };
    }

    /** Hours, minutes, seconds as supervisorctl shows uptimes: {@code 0:01:02}, {@code 123:00:09}. */
    static String hms(Duration d) {
        long s = Math.max(0, d.getSeconds());
        return String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
    }

    /** A short delay: {@code 250ms}, {@code 2s}, {@code 1.5s}, else {@link #hms}. */
    static String shortDuration(Duration d) {
        long millis = d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return millis % 1000 == 0 ? millis / 1000 + "s" : String.format("%.1fs", millis / 1000.0);
        }
        return hms(d);
    }

    /** A wall-clock time in the user's zone. */
    static String time(Timestamp t, ZoneId zone) {
        return TIME.format(Instant.ofEpochSecond(t.getSeconds(), t.getNanos()).atZone(zone));
    }

    /** How a process ended, as users want to read it: never "exit 139", but "killed by SIGSEGV (core dumped)". */
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

    private static String signal(KilledBySignal k) {
        return k.getSignalName().isEmpty() ? "signal " + k.getSignalNumber() : "SIG" + k.getSignalName();
    }

    /** A string as a JSON string literal. */
    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
