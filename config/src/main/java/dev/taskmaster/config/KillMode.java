package dev.taskmaster.config;

import java.util.Locale;

/**
 * What is signalled when a program's process is stopped, and what becomes of the rest of its
 * process group when that process ends ({@code killmode}). systemd's names and meanings.
 */
public enum KillMode {
    /**
     * The stop signal to the main process only; SIGKILL to whatever remains of its group once the
     * main process has exited (stopped or crashed), or to the whole group at {@code stoptime}.
     * A program gets a chance to stop its own children; none outlives it.
     */
    MIXED,
    /** The stop signal and SIGKILL to the whole group; what remains when the main process exits is killed. */
    GROUP,
    /** Only the main process is signalled; what it leaves behind keeps running, and is reported. */
    PROCESS;

    /** Whether the stop signal goes to the whole group (supervisord's {@code stopasgroup}). */
    public boolean stopsGroup() {
        return this == GROUP;
    }

    /**
     * Whether SIGKILL goes to the whole group, and what remains of it is killed when the main
     * process ends (supervisord's {@code killasgroup}).
     */
    public boolean killsGroup() {
        return this != PROCESS;
    }

    /** The value as written in a configuration file: {@code mixed}, {@code group} or {@code process}. */
    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The mode supervisord's keys mean when {@code killmode} is not set: {@code stopasgroup}
     * gives {@code group}; {@code killasgroup} alone gives {@code mixed}; {@code killasgroup:
     * false} written out gives {@code process} (supervisord's own default); neither gives the
     * default, {@code mixed}.
     *
     * @param killasgroup empty when the key is not written
     */
    public static KillMode of(boolean stopasgroup, java.util.Optional<Boolean> killasgroup) {
        if (stopasgroup) {
            return GROUP;
        }
        return killasgroup.map(k -> k ? MIXED : PROCESS).orElse(MIXED);
    }
}
