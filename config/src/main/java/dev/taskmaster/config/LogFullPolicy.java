package dev.taskmaster.config;

/**
 * What the daemon does with a program's output when its log file cannot be written (a full
 * disk, a quota, an I/O error): {@code on_log_full}.
 */
public enum LogFullPolicy {
    /**
     * Stop reading the program's pipe until the file can be written again: the pipe fills and
     * the program is held back in its writes. Nothing is lost; the program is slowed, or stops.
     */
    BLOCK,
    /** Go on reading, and drop what cannot be written, counting its bytes and lines exactly. */
    DROP;

    /** The value as written in a configuration file: {@code block} or {@code drop}. */
    public String configValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
