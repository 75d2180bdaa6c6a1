package dev.taskmaster.server.engine;

import dev.taskmaster.config.ConfigDiff;
import dev.taskmaster.config.ConfigError;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes every engine event to the daemon log, one line each, at a level that says how much
 * it matters: unexpected exits, spawn failures and FATAL are warnings. Runs on the engine
 * thread; the log's appender is asynchronous so this never waits for the disk.
 */
public final class EventLogger implements Consumer<EngineEvent> {

    private static final Logger log = LoggerFactory.getLogger("dev.taskmaster.events");

    @Override
    public void accept(EngineEvent event) {
        switch (event) {
            case EngineEvent.StateChanged c -> {
                String line = c.process() + ": " + c.from() + " -> " + c.to() + (c.pid() > 0 ? " (pid " + c.pid() + ")" : "")
                        + ": " + c.reason() + by(c.requestedBy());
                boolean bad = c.to() == ProcessState.FATAL || c.to() == ProcessState.BACKOFF
                        || (c.to() == ProcessState.EXITED && c.exit().map(e -> !e.expected()).orElse(false));
                if (bad) {
                    log.warn(line);
                } else {
                    log.info(line);
                }
            }
            case EngineEvent.HealthChanged h -> {
                String line = h.process() + ": health " + h.from() + " -> " + h.to() + ": " + h.reason();
                if (h.to() == dev.taskmaster.server.engine.health.HealthStatus.UNHEALTHY) {
                    log.warn(line);
                } else {
                    log.info(line);
                }
            }
            case EngineEvent.StartSkipped k -> log.warn("{}: {}", k.process(), k.reason());
            case EngineEvent.DaemonStarted d -> log.info("supervising {} programs ({} processes)", d.programs(), d.processes());
            case EngineEvent.ShutdownStarted s -> log.info("stopping every process: {}{}", s.reason(), by(s.requestedBy()));
            case EngineEvent.ConfigReloaded r -> {
                ConfigDiff diff = r.diff();
                ConfigChange change = r.change();
                String what = switch (change.kind()) {
                    case RELOAD -> "configuration reloaded";
                    case PROGRAM_ADDED -> "program " + change.programName() + " added";
                    case PROGRAM_UPDATED -> "program " + change.programName() + " updated";
                    case PROGRAM_REMOVED -> "program " + change.programName() + " removed";
                };
                log.info("{}: {}{}{}", what, diff.summary(),
                        diff.serverChanged() ? " (server settings changed; they apply when the daemon restarts)" : "",
                        by(change.requestedBy()));
            }
            case EngineEvent.LogWritingStopped s -> log.warn("{}: cannot write {} to {}: {}; {}", s.process(), s.stream(),
                    s.file(), s.reason(), switch (s.policy()) {
                        case BLOCK -> "on_log_full is block: its output is held back, and the program with it, until the file"
                                + " can be written again";
                        case DROP -> "on_log_full is drop: its output is dropped, and counted, until the file can be written"
                                + " again";
                    });
            case EngineEvent.LogWritingResumed r -> {
                String line = r.process() + ": " + r.stream() + " is written to " + r.file() + " again after "
                        + seconds(r.stoppedFor()) + " (" + r.reason() + "; on_log_full is " + r.policy().configValue() + "): "
                        + lost(r.linesLost(), r.bytesLost());
                if (r.bytesLost() > 0) {
                    log.warn(line);
                } else {
                    log.info(line);
                }
            }
            case EngineEvent.NotificationFailed n -> log.error("notify rule {}: {} lost ({}): {}", n.rule(),
                    n.messagesLost() == 1 ? "1 message" : n.messagesLost() + " messages", n.target(), n.reason());
            case EngineEvent.ConfigRejected r -> {
                log.error("configuration rejected, nothing changed ({} error{}):", r.errors().size(),
                        r.errors().size() == 1 ? "" : "s");
                for (ConfigError e : r.errors()) {
                    log.error("  {}", e);
                }
            }
        }
    }

    /** {@code 3 lines (120 bytes) lost}, or {@code nothing lost}. */
    public static String lost(long lines, long bytes) {
        return bytes == 0 && lines == 0 ? "nothing lost"
                : lines + (lines == 1 ? " line (" : " lines (") + bytes + (bytes == 1 ? " byte) lost" : " bytes) lost");
    }

    /** {@code 3.214 s}. */
    static String seconds(java.time.Duration d) {
        return String.format(java.util.Locale.ROOT, "%.3f s", d.toNanos() / 1e9);
    }

    private static String by(String requestedBy) {
        return requestedBy.isEmpty() ? "" : " (requested by " + requestedBy + ")";
    }
}
