package dev.taskmaster.server.run;

import dev.taskmaster.server.engine.ExitOutcome;
import dev.taskmaster.server.engine.ExitRecord;
import java.util.Optional;

/**
 * The exit status of {@code taskmasterd run}, from how its program ended: the one place that
 * maps outcomes to numbers. A shell's conventions: a code as it is, a signal N as 128+N, a
 * command not found 127, one that cannot be executed 126; 125 for a failure of
 * {@code taskmasterd run} itself, as {@code timeout(1)} and {@code env(1)} do.
 */
final class RunExit {

    /** {@code taskmasterd run} itself could not run: bad options, invalid settings, an internal error. */
    static final int OWN_FAILURE = 125;
    static final int CANNOT_EXECUTE = 126;
    static final int NOT_FOUND = 127;

    private RunExit() {
    }

    /** The status a shell would give for {@code outcome}. */
    static int of(ExitOutcome outcome) {
        return switch (outcome) {
            case ExitOutcome.Exited e -> e.code();
            case ExitOutcome.Killed k -> 128 + k.signal().number();
            // Only an adopted process ends this way; run adopts nothing unless told to (adopt:).
            case ExitOutcome.Unknown u -> 1;
            case ExitOutcome.SpawnFailed f -> f.reason().contains("(ENOENT)") ? NOT_FOUND : CANNOT_EXECUTE;
        };
    }

    /**
     * The status after the restarts were given up: the last failure's, never 0 (a program that
     * exits 0 again and again under {@code autorestart: always} was still given up on).
     */
    static int gaveUp(Optional<ExitRecord> last) {
        int code = last.map(r -> of(r.outcome())).orElse(1);
        return code == 0 ? 1 : code;
    }

    /**
     * The status after a stop by signal {@code signal}: the program's, or 128+signal when no
     * process ran to give one (it was waiting to be restarted).
     */
    static int stopped(Optional<ExitRecord> stoppedRun, int signal) {
        return stoppedRun.map(r -> of(r.outcome())).orElse(128 + signal);
    }
}
