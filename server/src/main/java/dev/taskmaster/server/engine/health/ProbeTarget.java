package dev.taskmaster.server.engine.health;

import dev.taskmaster.config.HealthCheck;
import dev.taskmaster.config.InstanceSpec;
import java.time.Instant;

/**
 * What one probe looks at. Immutable.
 *
 * @param instance  the process's instance (its program's env, directory and user, for a command probe)
 * @param probe     what to probe
 * @param pid       the process probed
 * @param startedAt when it started: a heartbeat older than that is not its own
 */
public record ProbeTarget(InstanceSpec instance, HealthCheck.Probe probe, int pid, Instant startedAt) {
}
