package dev.taskmaster.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** What a {@code notify:} rule can be told about: the names of its {@code on:} list. */
public enum NotifyEvent {
    /** A process ended with an exit code not in {@code exitcodes}, by a signal, or could not be spawned. */
    EXITED_UNEXPECTEDLY,
    /** A process went FATAL: the restart rules gave up on it. */
    FATAL,
    /** A process went to BACKOFF: it died while starting and waits to be tried again. */
    BACKOFF,
    /** A process's health check found it unhealthy. */
    UNHEALTHY,
    /** A process is healthy again after it was unhealthy. */
    HEALTHY,
    /** A process reached RUNNING (started, or restarted). */
    RUNNING,
    /** The daemon started. */
    DAEMON_STARTED,
    /** The daemon began to stop everything. */
    DAEMON_STOPPING,
    /** A new configuration was applied. */
    RELOADED,
    /** A new configuration (reload, SIGHUP) was rejected; the old one stays. */
    RELOAD_FAILED,
    /** A process's output stopped reaching its log file (a full disk). */
    LOG_WRITING_STOPPED,
    /** A cron start was skipped because the run before still ran. */
    START_SKIPPED;

    /** The name as written in the configuration: {@code exited_unexpectedly}. */
    public String yamlName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<NotifyEvent> of(String name) {
        return Arrays.stream(values()).filter(e -> e.yamlName().equals(name.strip().toLowerCase(Locale.ROOT))).findFirst();
    }

    /** Every name, in declaration order, comma-separated. */
    static String names() {
        return Arrays.stream(values()).map(NotifyEvent::yamlName).collect(Collectors.joining(", "));
    }
}
