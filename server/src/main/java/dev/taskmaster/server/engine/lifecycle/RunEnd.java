package dev.taskmaster.server.engine.lifecycle;

import java.time.Duration;

/**
 * How one run of a process ended, as the restart rules see it. Immutable.
 *
 * @param kind     what ended it
 * @param expected an exit code in {@code exitcodes} (only meaningful for {@link Kind#EXITED})
 * @param ranFor   how long the process ran; zero for a spawn that failed
 */
public record RunEnd(Kind kind, boolean expected, Duration ranFor) {

    /** What ended a run. */
    public enum Kind {
        /** The spawn failed, or the process exited before {@code starttime}. */
        FAILED_START,
        /** The process exited on its own after it was RUNNING. */
        EXITED,
        /** The health check found it UNHEALTHY and {@code on_unhealthy: restart} stopped it. */
        UNHEALTHY,
        /**
         * It survived a daemon crash but its output could not be re-attached (a terminal's
         * master died with the old daemon): the daemon stopped it to start it again, heard.
         */
        OUTPUT_LOST
    }

    public static RunEnd failedStart(Duration ranFor) {
        return new RunEnd(Kind.FAILED_START, false, ranFor);
    }

    public static RunEnd exited(boolean expected, Duration ranFor) {
        return new RunEnd(Kind.EXITED, expected, ranFor);
    }

    public static RunEnd unhealthy(Duration ranFor) {
        return new RunEnd(Kind.UNHEALTHY, false, ranFor);
    }
}
