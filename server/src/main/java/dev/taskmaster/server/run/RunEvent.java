package dev.taskmaster.server.run;

import dev.taskmaster.server.engine.ExitRecord;
import java.util.Optional;

/** What the main thread of {@code taskmasterd run} waits for. Immutable. */
sealed interface RunEvent {

    /** SIGINT, SIGTERM or SIGHUP reached taskmasterd: stop the program (a second one: kill it). */
    record SignalReceived(String name, int number) implements RunEvent {
    }

    /**
     * The program is down for good: it ended and is not restarted ({@code gaveUp} false), or the
     * restarts were given up ({@code gaveUp} true, {@code reason} says why), or it was stopped.
     *
     * @param last its last run's end; empty when it never ran or the stop found no process
     */
    record Over(boolean gaveUp, boolean stopped, String reason, Optional<ExitRecord> last) implements RunEvent {
    }
}
