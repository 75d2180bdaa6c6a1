package dev.taskmaster.server;

import dev.taskmaster.config.Config;
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
record DaemonInfo(String instance, RuntimePaths paths, Config config, Instant configTime, Instant startTime) {
}
