package dev.taskmaster.server.notify;

import dev.taskmaster.server.engine.ConfigChange;
import dev.taskmaster.config.NotifyEvent;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.ProcessSnapshot;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.engine.health.HealthStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One engine event as a notification rule sees it: its kind and the few facts a message tells.
 * Made on the engine thread from the event alone (no look-up, no I/O). Immutable.
 *
 * @param process  the process's full name; empty for an event of the daemon itself
 * @param program  its program's name; empty for the daemon
 * @param group    its program's group; empty for the daemon
 * @param from     the state (or health) before; empty when it does not apply
 * @param to       the state (or health) after
 * @param reason   one line a person can read
 * @param exit     how the process ended, when it did ({@code exited with code 3 (unexpected)})
 * @param restarts how often the engine restarted it on its own
 * @param pid      its pid; 0 when none
 */
record Occurrence(NotifyEvent kind, Instant time, String process, String program, String group, String from, String to,
        String reason, String exit, int restarts, int pid) {

    boolean isDaemonEvent() {
        return process.isEmpty();
    }

    /** What a rule with every kind would see of {@code event}, most telling first: a rule takes the first it wants. */
    static List<Occurrence> of(EngineEvent event) {
        return switch (event) {
            case EngineEvent.StateChanged c -> stateChanged(c);
            case EngineEvent.HealthChanged h -> {
                NotifyEvent kind = h.to() == HealthStatus.UNHEALTHY ? NotifyEvent.UNHEALTHY
                        : h.to() == HealthStatus.HEALTHY && h.from() == HealthStatus.UNHEALTHY ? NotifyEvent.HEALTHY : null;
                yield kind == null ? List.of() : List.of(process(kind, h.time(), h.after(), h.from().name(), h.to().name(),
                        h.reason(), ""));
            }
            case EngineEvent.StartSkipped k -> List.of(process(NotifyEvent.START_SKIPPED, k.time(), k.after(),
                    k.after().state().name(), k.after().state().name(), k.reason(), ""));
            case EngineEvent.DaemonStarted d -> List.of(daemon(NotifyEvent.DAEMON_STARTED, d.time(), "taskmasterd started: "
                    + d.programs() + " programs, " + d.processes() + " processes"));
            case EngineEvent.ShutdownStarted s -> List.of(daemon(NotifyEvent.DAEMON_STOPPING, s.time(),
                    "taskmasterd is stopping every process: " + s.reason()));
            case EngineEvent.ConfigReloaded r -> List.of(daemon(NotifyEvent.RELOADED, r.time(),
                    (r.change().kind() == ConfigChange.Kind.RELOAD ? "configuration reloaded: "
                            : "configuration changed (" + r.change().kind().name().toLowerCase(java.util.Locale.ROOT)
                                    .replace('_', ' ') + " " + r.change().programName() + "): ") + r.diff().summary()));
            case EngineEvent.ConfigRejected r -> List.of(daemon(NotifyEvent.RELOAD_FAILED, r.time(),
                    "configuration rejected, nothing changed: " + r.errors().getFirst()
                            + (r.errors().size() > 1 ? " (and " + (r.errors().size() - 1) + " more)" : "")));
            case EngineEvent.LogWritingStopped s -> List.of(new Occurrence(NotifyEvent.LOG_WRITING_STOPPED, s.time(),
                    s.process(), program(s.process()), "", "", "", "cannot write " + s.stream() + " to " + s.file() + ": "
                            + s.reason(), "", 0, 0));
            case EngineEvent.LogWritingResumed r -> List.of();
            // Never about a failed notification: a failing target would feed itself.
            case EngineEvent.NotificationFailed n -> List.of();
        };
    }

    private static List<Occurrence> stateChanged(EngineEvent.StateChanged c) {
        String exit = c.exit().map(x -> x.describe()).orElse("");
        boolean unexpected = c.exit().map(x -> !x.expected()).orElse(false);
        java.util.ArrayList<Occurrence> out = new java.util.ArrayList<>(2);
        if (c.to() == ProcessState.FATAL) {
            out.add(process(NotifyEvent.FATAL, c.time(), c.after(), c.from().name(), c.to().name(), c.reason(), exit));
        }
        if (unexpected) {
            out.add(process(NotifyEvent.EXITED_UNEXPECTEDLY, c.time(), c.after(), c.from().name(), c.to().name(), c.reason(), exit));
        }
        if (c.to() == ProcessState.BACKOFF) {
            out.add(process(NotifyEvent.BACKOFF, c.time(), c.after(), c.from().name(), c.to().name(), c.reason(), exit));
        }
        if (c.to() == ProcessState.RUNNING) {
            out.add(process(NotifyEvent.RUNNING, c.time(), c.after(), c.from().name(), c.to().name(), c.reason(), exit));
        }
        return out;
    }

    private static Occurrence process(NotifyEvent kind, Instant time, ProcessSnapshot p, String from, String to,
            String reason, String exit) {
        String lastExit = !exit.isEmpty() ? exit : p.lastExit().map(x -> x.describe()).orElse("");
        return new Occurrence(kind, time, p.name(), p.spec().program().name(), p.spec().program().group(), from, to, reason,
                kind == NotifyEvent.EXITED_UNEXPECTEDLY || kind == NotifyEvent.FATAL || kind == NotifyEvent.BACKOFF
                        ? lastExit : exit, p.restartCount(), p.pid());
    }

    private static Occurrence daemon(NotifyEvent kind, Instant time, String reason) {
        return new Occurrence(kind, time, "", "", "", "", "", reason, "", 0, 0);
    }

    /** {@code web} of {@code web:0}: the usual instance naming, for events that carry only the instance. */
    private static String program(String process) {
        int colon = process.indexOf(':');
        return colon < 0 ? process : process.substring(0, colon);
    }

    /** {@code worker:0 exited unexpectedly}, {@code taskmasterd started}: the event in a few words. */
    String headline() {
        String who = isDaemonEvent() ? "taskmasterd" : process;
        return who + " " + switch (kind) {
            case EXITED_UNEXPECTEDLY -> "exited unexpectedly";
            case FATAL -> "is FATAL";
            case BACKOFF -> "went to BACKOFF";
            case UNHEALTHY -> "is unhealthy";
            case HEALTHY -> "is healthy again";
            case RUNNING -> "is RUNNING";
            case DAEMON_STARTED -> "started";
            case DAEMON_STOPPING -> "is stopping";
            case RELOADED -> "reloaded its configuration";
            case RELOAD_FAILED -> "rejected a new configuration";
            case LOG_WRITING_STOPPED -> "cannot write its log";
            case START_SKIPPED -> "skipped a scheduled start";
        };
    }

    Optional<String> exitText() {
        return exit.isEmpty() ? Optional.empty() : Optional.of(exit);
    }
}
