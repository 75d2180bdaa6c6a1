package dev.taskmaster.cli;

import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.ConfigDiff;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.EventsMissed;
import dev.taskmaster.proto.v1.Snapshot;
import dev.taskmaster.proto.v1.WatchEventsResponse;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/** One WatchEvents message as lines of text: {@code #12 2026-11-22 04:45:01 web:0 STARTING -> RUNNING: started}. */
final class EventLines {

    private EventLines() {}

    static List<String> of(WatchEventsResponse m, ZoneId zone) {
        return switch (m.getKindCase()) {
            case SNAPSHOT -> snapshot(m.getSnapshot(), zone);
            case EVENT -> List.of(event(m.getEvent(), zone));
            case EVENTS_MISSED -> List.of(missed(m.getEventsMissed()));
            case HEARTBEAT, USAGE_REPORT, KIND_NOT_SET -> List.of();
        };
    }

    private static List<String> snapshot(Snapshot s, ZoneId zone) {
        List<String> lines = new ArrayList<>();
        lines.add("-- snapshot at #" + s.getSequence() + " (" + ProcessText.dateTime(s.getTime(), zone) + "): "
                + s.getProcessesCount() + (s.getProcessesCount() == 1 ? " process" : " processes"));
        if (s.getProcessesCount() > 0) {
            lines.addAll(StatusTable.render(s.getProcessesList(), false));
        }
        return lines;
    }

    private static String missed(EventsMissed m) {
        String why = switch (m.getReason()) {
            case EVENTS_MISSED_REASON_HISTORY_TRUNCATED -> "no longer in the daemon's history";
            case EVENTS_MISSED_REASON_DAEMON_RESTARTED -> "the daemon restarted";
            case EVENTS_MISSED_REASON_WATCHER_TOO_SLOW -> "this watcher read too slowly";
            default -> "reason unknown";
        };
        return "-- events missed from #" + m.getRequestedSequence() + " (" + why + "; oldest kept is #"
                + m.getOldestAvailableSequence() + "); a fresh snapshot follows";
    }

    static String event(Event e, ZoneId zone) {
        String head = "#" + e.getSequence() + " " + ProcessText.dateTime(e.getTime(), zone) + " ";
        return head + switch (e.getPayloadCase()) {
            case PROCESS_STATE_CHANGED -> {
                var c = e.getProcessStateChanged();
                yield c.getProcess().getFullName() + " " + ProcessText.state(c.getFromState()) + " -> " + ProcessText.state(c.getToState())
                        + ": " + c.getReason() + exit(c) + by(c.getRequestedBy());
            }
            case PROCESS_SPAWN_FAILED -> {
                var f = e.getProcessSpawnFailed();
                yield f.getProcess().getFullName() + " spawn failed (attempt " + f.getAttempt() + "): " + f.getFailure().getReason()
                        + (f.hasRetryDelay() ? "; retry in " + ProcessText.shortDuration(f.getRetryDelay()) : "; giving up");
            }
            case HEALTH_CHANGED -> {
                var h = e.getHealthChanged();
                yield h.getProcess().getFullName() + " health " + h.getFromStatus().name().replace("HEALTH_STATUS_", "")
                        + " -> " + h.getToStatus().name().replace("HEALTH_STATUS_", "");
            }
            case OUTPUT_LOST -> {
                var o = e.getOutputLost();
                yield o.getProcessName() + " lost " + o.getBytesLost() + " bytes of " + o.getStream().name().replace("OUTPUT_STREAM_", "")
                        + ": " + o.getReason();
            }
            case LOG_WRITING_STOPPED -> {
                var s = e.getLogWritingStopped();
                yield s.getProcessName() + " " + stream(s.getStream()) + " cannot be written to " + s.getPath() + ": " + s.getReason()
                        + "; " + switch (s.getPolicy()) {
                            case LOG_FULL_POLICY_DROP -> "dropping its output (on_log_full: drop)";
                            default -> "holding the program back (on_log_full: block)";
                        };
            }
            case LOG_WRITING_RESUMED -> {
                var r = e.getLogWritingResumed();
                yield r.getProcessName() + " " + stream(r.getStream()) + " written to " + r.getPath() + " again after "
                        + ProcessText.shortDuration(r.getStoppedFor()) + ": " + lost(r.getLinesLost(), r.getBytesLost());
            }
            case SCHEDULED_START_SKIPPED -> e.getScheduledStartSkipped().getProcessName() + " "
                    + e.getScheduledStartSkipped().getReason();
            case CONFIG_RELOADED -> "configuration reloaded from " + e.getConfigReloaded().getConfigPath() + ": "
                    + summary(e.getConfigReloaded().getDiff()) + by(e.getConfigReloaded().getRequestedBy());
            case PROGRAM_ADDED -> "program " + e.getProgramAdded().getProgram().getName() + " added" + by(e.getProgramAdded().getRequestedBy());
            case PROGRAM_UPDATED -> "program " + e.getProgramUpdated().getProgram().getName() + " updated"
                    + by(e.getProgramUpdated().getRequestedBy());
            case PROGRAM_REMOVED -> "program " + e.getProgramRemoved().getProgram() + " removed" + by(e.getProgramRemoved().getRequestedBy());
            case DAEMON_STARTED -> "taskmasterd " + e.getDaemonStarted().getVersion() + " started (pid " + e.getDaemonStarted().getPid()
                    + ", config " + e.getDaemonStarted().getConfigPath() + ")";
            case DAEMON_SHUTTING_DOWN -> "taskmasterd shutting down: " + e.getDaemonShuttingDown().getReason()
                    + by(e.getDaemonShuttingDown().getRequestedBy());
            case NOTIFICATION_FAILED -> notificationFailed(e.getNotificationFailed());
            case PAYLOAD_NOT_SET -> "(an event this client does not know)";
        };
    }

    /** {@code notification rule pager: 1 message lost (exec /usr/local/bin/page): exit 3: no route}. */
    static String notificationFailed(dev.taskmaster.proto.v1.NotificationFailed n) {
        return "notification rule " + n.getRule() + ": " + (n.getMessagesLost() == 1 ? "1 message" : n.getMessagesLost()
                + " messages") + " lost (" + n.getTarget() + "): " + n.getReason();
    }

    /**
     * How the process ended, unless the daemon's reason already says it (issue 16: "killed by
     * SIGKILL (unexpected) (killed by SIGKILL (unexpected))"); the TUI's ticker does the same.
     */
    private static String exit(dev.taskmaster.proto.v1.ProcessStateChanged c) {
        if (!c.hasExit()) {
            return "";
        }
        String how = ProcessText.exit(c.getExit());
        return c.getReason().contains(how) ? "" : " (" + how + ")";
    }

    private static String stream(dev.taskmaster.proto.v1.OutputStream s) {
        return s.name().replace("OUTPUT_STREAM_", "").toLowerCase(java.util.Locale.ROOT);
    }

    /** {@code nothing lost}, or {@code 3 lines (120 bytes) lost}. */
    static String lost(long lines, long bytes) {
        return lines == 0 && bytes == 0 ? "nothing lost"
                : lines + (lines == 1 ? " line (" : " lines (") + bytes + (bytes == 1 ? " byte) lost" : " bytes) lost");
    }

    private static String by(String who) {
        return who.isEmpty() ? "" : " (by " + who + ")";
    }

    private static String summary(ConfigDiff d) {
        return d.getAddedProgramsCount() + " added, " + d.getChangedProgramsCount() + " restarted, "
                + d.getUpdatedProgramsCount() + " updated in place, " + d.getRemovedProgramsCount() + " removed";
    }
}
