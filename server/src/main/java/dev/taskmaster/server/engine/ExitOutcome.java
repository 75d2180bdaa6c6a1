package dev.taskmaster.server.engine;

import dev.taskmaster.config.Signal;

/** How a process ended, or why it never began. Never a sentinel exit code. */
public sealed interface ExitOutcome {

    /** One phrase for logs and status: {@code exited with code 3}, {@code killed by SIGSEGV (core dumped)}. */
    String describe();

    /** The process called exit with this code. */
    record Exited(int code) implements ExitOutcome {
        @Override
        public String describe() {
            return "exited with code " + code;
        }
    }

    /** The process was terminated by a signal. */
    record Killed(Signal signal, boolean coreDumped) implements ExitOutcome {
        @Override
        public String describe() {
            return "killed by " + signal.displayName() + (coreDumped ? " (core dumped)" : "");
        }
    }

    /**
     * The process is gone, but how it ended cannot be known: it was adopted, not spawned, and
     * only its parent may wait for it (the pidfd only says that it has ended).
     */
    record Unknown() implements ExitOutcome {
        @Override
        public String describe() {
            return "exited, code unknown (adopted)";
        }
    }

    /** The process could not be spawned: the reason names what failed, with what. */
    record SpawnFailed(String reason) implements ExitOutcome {
        @Override
        public String describe() {
            return "could not start: " + reason;
        }
    }
}
