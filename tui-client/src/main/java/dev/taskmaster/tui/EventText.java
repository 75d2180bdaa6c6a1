package dev.taskmaster.tui;

import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.ConfigDiff;
import dev.taskmaster.proto.v1.Event;
import dev.taskmaster.proto.v1.EventsMissed;
import dev.taskmaster.proto.v1.ProcessState;

/** One journal event as one line of the ticker, and how loudly to show it. */
final class EventText {

    record Text(String text, Ticker.Severity severity) {}

    private EventText() {}

    static Text of(Event e) {
        return switch (e.getPayloadCase()) {
            case PROCESS_STATE_CHANGED -> {
                var c = e.getProcessStateChanged();
                String text = c.getProcess().getFullName() + " " + ProcessText.state(c.getFromState()) + " -> " + ProcessText.state(c.getToState())
                        + ": " + c.getReason() + exit(c) + by(c.getRequestedBy());
                yield new Text(text, severity(c.getToState(), c.hasExit() && !c.getExit().getExpected()));
            }
            case PROCESS_SPAWN_FAILED -> {
                var f = e.getProcessSpawnFailed();
                yield new Text(f.getProcess().getFullName() + " spawn failed (attempt " + f.getAttempt() + "): " + f.getFailure().getReason()
                        + (f.hasRetryDelay() ? "; retry in " + ProcessText.shortDuration(f.getRetryDelay()) : "; giving up"), Ticker.Severity.ERROR);
            }
            case HEALTH_CHANGED -> {
                var h = e.getHealthChanged();
                String to = h.getToStatus().name().replace("HEALTH_STATUS_", "");
                yield new Text(h.getProcess().getFullName() + " health " + h.getFromStatus().name().replace("HEALTH_STATUS_", "") + " -> " + to,
                        to.equals("UNHEALTHY") ? Ticker.Severity.ERROR : Ticker.Severity.INFO);
            }
            case OUTPUT_LOST -> {
                var o = e.getOutputLost();
                yield new Text(o.getProcessName() + " lost " + o.getBytesLost() + " bytes of output: " + o.getReason(), Ticker.Severity.ERROR);
            }
            case LOG_WRITING_STOPPED -> {
                var s = e.getLogWritingStopped();
                boolean drop = s.getPolicy() == dev.taskmaster.proto.v1.LogFullPolicy.LOG_FULL_POLICY_DROP;
                yield new Text(s.getProcessName() + " log cannot be written (" + s.getReason() + "): "
                        + (drop ? "dropping output" : "program held back"), Ticker.Severity.ERROR);
            }
            case LOG_WRITING_RESUMED -> {
                var r = e.getLogWritingResumed();
                String lost = r.getBytesLost() == 0 && r.getLinesLost() == 0 ? "nothing lost"
                        : r.getLinesLost() + " lines (" + r.getBytesLost() + " bytes) lost";
                yield new Text(r.getProcessName() + " log written again after " + ProcessText.shortDuration(r.getStoppedFor())
                        + ": " + lost, r.getBytesLost() > 0 ? Ticker.Severity.WARN : Ticker.Severity.INFO);
            }
            case SCHEDULED_START_SKIPPED -> new Text(e.getScheduledStartSkipped().getProcessName() + " "
                    + e.getScheduledStartSkipped().getReason(), Ticker.Severity.WARN);
            case CONFIG_RELOADED -> new Text("configuration reloaded: " + summary(e.getConfigReloaded().getDiff())
                    + by(e.getConfigReloaded().getRequestedBy()), Ticker.Severity.INFO);
            case PROGRAM_ADDED -> new Text("program " + e.getProgramAdded().getProgram().getName() + " added"
                    + by(e.getProgramAdded().getRequestedBy()), Ticker.Severity.INFO);
            case PROGRAM_UPDATED -> new Text("program " + e.getProgramUpdated().getProgram().getName() + " updated"
                    + by(e.getProgramUpdated().getRequestedBy()), Ticker.Severity.INFO);
            case PROGRAM_REMOVED -> new Text("program " + e.getProgramRemoved().getProgram() + " removed"
                    + by(e.getProgramRemoved().getRequestedBy()), Ticker.Severity.INFO);
            case DAEMON_STARTED -> new Text("taskmasterd " + e.getDaemonStarted().getVersion() + " started (pid "
                    + e.getDaemonStarted().getPid() + ")", Ticker.Severity.INFO);
            case DAEMON_SHUTTING_DOWN -> new Text("taskmasterd shutting down: " + e.getDaemonShuttingDown().getReason()
                    + by(e.getDaemonShuttingDown().getRequestedBy()), Ticker.Severity.WARN);
            case NOTIFICATION_FAILED -> {
                var n = e.getNotificationFailed();
                yield new Text("notification rule " + n.getRule() + ": " + n.getMessagesLost() + " lost (" + n.getTarget()
                        + "): " + n.getReason(), Ticker.Severity.ERROR);
            }
            case PAYLOAD_NOT_SET -> new Text("(an event this client does not know)", Ticker.Severity.INFO);
        };
    }

    /** How the process ended, unless the daemon's reason already says it. */
    private static String exit(dev.taskmaster.proto.v1.ProcessStateChanged c) {
        if (!c.hasExit()) {
            return "";
        }
        String how = ProcessText.exit(c.getExit());
        return c.getReason().contains(how) ? "" : " (" + how + ")";
    }

    static Text missed(EventsMissed m) {
        String why = switch (m.getReason()) {
            case EVENTS_MISSED_REASON_HISTORY_TRUNCATED -> "no longer in the daemon's history";
            case EVENTS_MISSED_REASON_DAEMON_RESTARTED -> "the daemon restarted";
            case EVENTS_MISSED_REASON_WATCHER_TOO_SLOW -> "this client read too slowly";
            default -> "reason unknown";
        };
        return new Text("events missed from #" + m.getRequestedSequence() + " (" + why + "); showing a fresh snapshot",
                Ticker.Severity.WARN);
    }

    private static Ticker.Severity severity(ProcessState to, boolean unexpectedExit) {
        return switch (to) {
            case PROCESS_STATE_FATAL, PROCESS_STATE_BACKOFF, PROCESS_STATE_UNKNOWN -> Ticker.Severity.ERROR;
            case PROCESS_STATE_EXITED -> unexpectedExit ? Ticker.Severity.ERROR : Ticker.Severity.INFO;
            default -> unexpectedExit ? Ticker.Severity.WARN : Ticker.Severity.INFO;
        };
    }

    private static String by(String who) {
        return who.isEmpty() ? "" : " (by " + who + ")";
    }

    private static String summary(ConfigDiff d) {
        return d.getAddedProgramsCount() + " added, " + d.getChangedProgramsCount() + " restarted, "
                + d.getUpdatedProgramsCount() + " updated in place, " + d.getRemovedProgramsCount() + " removed";
    }
}
