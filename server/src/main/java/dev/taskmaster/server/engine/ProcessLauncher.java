package dev.taskmaster.server.engine;

import dev.taskmaster.config.InstanceSpec;
import java.util.function.Consumer;

/**
 * Starts the process of an instance. The engine calls it on its own thread; it must return
 * quickly (spawning, not waiting). Exits are reported later through {@code onExit}, on any
 * thread, exactly once per launched process.
 */
public interface ProcessLauncher {

    /** @throws SpawnException with a precise reason when the process could not be started */
    LaunchedProcess launch(InstanceSpec instance, Consumer<ExitOutcome> onExit) throws SpawnException;

    /** A process that was started. Methods may be called from the engine thread only. */
    interface LaunchedProcess {
        int pid();

        /**
         * Sends {@code signal} to the process, or to its whole process group. A process that has
         * already exited is not an error (its exit is on the way).
         */
        void signal(dev.taskmaster.config.Signal signal, boolean toGroup);
    }

    /** The process could not be started; {@link #getMessage()} says what failed, with what. */
    final class SpawnException extends Exception {
        public SpawnException(String reason) {
            super(reason);
        }
    }
}
