package dev.taskmaster.server.api;

import dev.taskmaster.config.Config;
import dev.taskmaster.server.daemon.RuntimePaths;
import java.time.Instant;
import java.util.List;

/**
 * Facts about the running daemon that the API reports. Immutable; a reload will publish a new one.
 *
 * @param instance   the instance name in force
 * @param paths      where its socket, pidfile and logs are
 * @param config     the configuration in force
 * @param configTime when that configuration was loaded
 * @param startTime  when the daemon started
 * @param tcpAddresses the TCP listeners bound, {@code host:port} with the real port (a reload does not change them)
 */
public record DaemonInfo(String instance, RuntimePaths paths, Config config, Instant configTime, Instant startTime,
        List<String> tcpAddresses) {

    public DaemonInfo {
        tcpAddresses = List.copyOf(tcpAddresses);
    }

    /** Before any TCP listener is bound (or when there is none). */
    public DaemonInfo(String instance, RuntimePaths paths, Config config, Instant configTime, Instant startTime) {
        this(instance, paths, config, configTime, startTime, List.of());
    }

    /** The same daemon with {@code next} in force since {@code loaded}. */
    public DaemonInfo reloaded(Config next, Instant loaded) {
        return new DaemonInfo(instance, paths, next, loaded, startTime, tcpAddresses);
    }

    /** The same daemon, listening on {@code addresses}. */
    public DaemonInfo listening(List<String> addresses) {
        return new DaemonInfo(instance, paths, config, configTime, startTime, addresses);
    }
}
