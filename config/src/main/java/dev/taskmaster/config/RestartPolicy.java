package dev.taskmaster.config;

/** When a program that was RUNNING is started again after it exits ({@code autorestart}). */
public enum RestartPolicy {
    /** Restart whatever the exit status. */
    ALWAYS,
    /** Never restart; the process stays EXITED. */
    NEVER,
    /** Restart only when the exit is not one of {@code exitcodes} (a death by signal is always unexpected). */
    UNEXPECTED
}
