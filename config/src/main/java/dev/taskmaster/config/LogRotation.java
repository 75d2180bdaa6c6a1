package dev.taskmaster.config;

/**
 * Size rotation of a log file.
 *
 * @param maxBytes rotate once the file reaches this size; 0 means never rotate
 * @param backups  how many rotated files to keep ({@code file.1} … {@code file.N}); 0 keeps none
 */
public record LogRotation(long maxBytes, int backups) {

    /** supervisord's defaults: 50 MiB, 10 backups. */
    public static final LogRotation DEFAULT = new LogRotation(50L * 1024 * 1024, 10);
}
