package dev.taskmaster.server.engine.health;

/** The health of a process with a health check, beside its state. */
public enum HealthStatus {
    /** Running, within start_period or before any probe succeeded. */
    STARTING,
    /** The last probe succeeded. */
    HEALTHY,
    /** {@code retries} probes in a row failed. */
    UNHEALTHY,
    /** Not running, so not probed. */
    INACTIVE
}
