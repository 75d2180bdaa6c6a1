package dev.taskmaster.server.run;

import dev.taskmaster.server.engine.Engine;
import dev.taskmaster.server.engine.EngineEvent;
import dev.taskmaster.server.engine.ProcessState;
import dev.taskmaster.server.engine.health.HealthStatus;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells, in {@code [taskmaster]} lines, what becomes of the program of {@code taskmasterd run}
 * (each state change and health change, with its reason), and reports {@link RunEvent.Over} once
 * it is down for good: FATAL (given up), STOPPED (stopped on a signal), or EXITED with no restart
 * to follow. A journal listener: runs on the engine thread, does not block.
 */
final class RunReporter implements Consumer<EngineEvent> {

    private static final Logger log = LoggerFactory.getLogger("dev.taskmaster.run");

    private final Engine engine;
    private final Consumer<RunEvent> over;

    RunReporter(Engine engine, Consumer<RunEvent> over) {
        this.engine = engine;
        this.over = over;
    }

    @Override
    public void accept(EngineEvent event) {
        switch (event) {
            case EngineEvent.StateChanged c -> {
                String line = c.process() + ": " + c.to() + (c.pid() > 0 ? " (pid " + c.pid() + ")" : "") + ": " + c.reason();
                if (c.to() == ProcessState.FATAL || c.to() == ProcessState.BACKOFF
                        || (c.to() == ProcessState.EXITED && c.exit().map(e -> !e.expected()).orElse(false))) {
                    log.warn(line);
                } else {
                    log.info(line);
                }
                switch (c.to()) {
                    case FATAL -> over.accept(new RunEvent.Over(true, false, c.reason(), c.after().lastExit()));
                    // What follows an exit or a stop (a restart, a backoff, giving up) is decided in the same
                    // engine task: a snapshot taken after it tells whether the program stays down. A restart
                    // is then in flight (launched off the engine thread: the state is still EXITED until
                    // its STARTING), and a stop made to restart it (unhealthy) is followed by a start at once.
                    case EXITED, STOPPED -> engine.snapshot().thenAccept(all -> all.stream()
                            .filter(s -> s.name().equals(c.process()) && s.state() == c.to() && !s.launching())
                            .findFirst()
                            .ifPresent(s -> over.accept(new RunEvent.Over(false, c.to() == ProcessState.STOPPED, c.reason(),
                                    // The exit of the stopped run; a stop while waiting to restart found none.
                                    c.to() == ProcessState.EXITED || c.from() == ProcessState.STOPPING ? c.exit()
                                            : Optional.empty()))));
                    default -> { }
                }
            }
            case EngineEvent.HealthChanged h -> {
                String line = h.process() + ": health " + h.to() + ": " + h.reason();
                if (h.to() == HealthStatus.UNHEALTHY) {
                    log.warn(line);
                } else {
                    log.info(line);
                }
            }
            default -> { }
        }
    }
}
