package dev.taskmaster.server.api;

import dev.taskmaster.config.Config;
import dev.taskmaster.server.daemon.RuntimePaths;
import java.time.Instant;

/**
 * Facts about the running daemon that the API reports. Immutable; a reload will publish a new one.
 *
 * @param instance   the instance name in force
 * @param paths      where its socket, pidfile and logs are
 * @param config     the configuration in force
 * @param configTime when that configuration was loaded
 * @param startTime  when the daemon started
 */
public record DaemonInfo(String instance, RuntimePaths paths, Config config, Instant configTime, Instant startTime) {
}
