package dev.taskmaster.server.engine.outside;

import dev.taskmaster.server.engine.ProcessState;
import java.util.Optional;

/**
 * What a stop or continue reported by the kernel does to the state of a process, so that PAUSED
 * means what the kernel says: RUNNING becomes PAUSED when someone else stops the process, PAUSED
 * becomes RUNNING when someone else continues it. A pure function, one row per case.
 *
 * <p>Reports come late: the daemon's own pause and resume change the state at once, and the
 * kernel's report of the same stop or continue follows; a report may also be overtaken by a
 * later signal. So a report is acted on only when it changes the state and agrees with the
 * kernel now ({@code stoppedNow}, read when it is handled): the report of the daemon's own
 * pause finds the process PAUSED already (no second transition), and a stale stop report finds
 * the process running again (its continue report follows), and a stale continue finds it
 * stopped again, or about to be.
 */
public final class OutsideChanges {

    /** A transition to make, with its reason for the events. */
    public record Transition(ProcessState to, String reason) {
    }

    private OutsideChanges() {
    }

    /**
     * @param state       the process's state when the report is handled
     * @param change      what the kernel reported
     * @param stoppedNow whether the process is stopped now, or about to be (a SIGSTOP, the pause's
     *                   own, not taken yet: a continue reported meanwhile is older than that stop);
     *                   empty if unknown
     */
    public static Optional<Transition> decide(ProcessState state, OutsideChange change, Optional<Boolean> stoppedNow) {
        if (change.stopped()) {
            if (state == ProcessState.RUNNING && stoppedNow.orElse(true)) {
                return Optional.of(new Transition(ProcessState.PAUSED, "stopped by " + change.signal().displayName()
                        + " from outside"));
            }
            return Optional.empty();
        }
        if (state == ProcessState.PAUSED && !stoppedNow.orElse(false)) {
            return Optional.of(new Transition(ProcessState.RUNNING, "continued by SIGCONT from outside"));
        }
        return Optional.empty();
    }
}
