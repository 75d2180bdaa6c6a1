package dev.taskmaster.server.syslog;

/** Syslog severities (RFC 5424 section 6.2.1), by their codes. */
public enum Severity {
    EMERG, ALERT, CRIT, ERR, WARNING, NOTICE, INFO, DEBUG;

    public int code() {
        return ordinal();
    }
}
