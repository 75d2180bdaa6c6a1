package dev.taskmaster.config;

/** Verbosity of the daemon's own log ({@code server.loglevel}). */
public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR
}
