package dev.taskmaster.server.engine.outside;

import dev.taskmaster.config.Signal;

/**
 * The kernel's report that a supervised process was stopped (by SIGSTOP, SIGTSTP, SIGTTIN or
 * SIGTTOU) or continued (by SIGCONT), whoever sent the signal: the daemon's own pause and resume,
 * or someone else ({@code kill -STOP} from a shell). Immutable.
 *
 * @param stopped true for a stop, false for a continue
 * @param signal  the signal that stopped it; SIGCONT for a continue
 */
public record OutsideChange(boolean stopped, Signal signal) {

    public static OutsideChange stoppedBy(int signal) {
        return new OutsideChange(true, Signal.ofNumber(signal).orElse(new Signal(signal, String.valueOf(signal))));
    }

    public static OutsideChange continued() {
        return new OutsideChange(false, Signal.CONT);
    }
}
