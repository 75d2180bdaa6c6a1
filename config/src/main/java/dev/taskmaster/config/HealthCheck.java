package dev.taskmaster.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A program's {@code health_check:}: how to tell that a running process works, not merely
 * exists, how often, and what to do when it does not. Immutable; validated by the parser.
 *
 * @param probe       what is probed (exactly one kind)
 * @param interval    time from the end of one probe to the start of the next
 * @param timeout     a probe that has not answered by then has failed
 * @param retries     failed probes in a row before the process is UNHEALTHY, at least 1
 * @param startPeriod after a start, failures in this window do not count (a success ends it)
 * @param onUnhealthy what the daemon does when the process becomes UNHEALTHY
 */
public record HealthCheck(Probe probe, Duration interval, Duration timeout, int retries, Duration startPeriod,
        UnhealthyAction onUnhealthy) {

    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_RETRIES = 3;
    public static final Duration DEFAULT_MAX_AGE = Duration.ofSeconds(30);

    public HealthCheck {
        Objects.requireNonNull(probe);
        Objects.requireNonNull(onUnhealthy);
        if (retries < 1 || interval.isZero() || interval.isNegative() || timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("retries " + retries + ", interval " + interval + ", timeout " + timeout);
        }
    }

    /** What the daemon does with a process whose health check says UNHEALTHY. */
    public enum UnhealthyAction {
        /** Report it only (status, events, the log). */
        NONE,
        /** Stop it with stopsignal/stoptime and start it again, counted as a restart. */
        RESTART
    }

    /** One kind of probe. */
    public sealed interface Probe {
        /** The configuration key that selects it: {@code heartbeat_file}, {@code cmd}, {@code tcp}, {@code http}. */
        String key();
    }

    /**
     * Healthy while the file was modified at most {@code maxAge} ago, and since the process
     * started. {@code file} may hold {@code %(process_num)d} (required when numprocs > 1);
     * {@link #file(InstanceSpec)} gives one instance's file.
     */
    public record Heartbeat(String file, Duration maxAge) implements Probe {
        public Heartbeat {
            if (!Path.of(file).isAbsolute()) {
                throw new IllegalArgumentException("heartbeat file must be absolute: " + file);
            }
        }

        @Override
        public String key() {
            return "heartbeat_file";
        }

        /** The file of {@code instance} (handed to it as {@code $TASKMASTER_HEARTBEAT_FILE}). */
        public Path file(InstanceSpec instance) {
            return Path.of(ProcessNames.format(file, instance.program().name(), instance.program().group(),
                    instance.index()));
        }
    }

    /** Healthy when the command exits with code 0 within the timeout; run as the program runs. */
    public record Command(String cmd, List<String> argv) implements Probe {
        public Command {
            argv = List.copyOf(argv);
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("empty probe command");
            }
        }

        @Override
        public String key() {
            return "cmd";
        }
    }

    /** Healthy when a TCP connection to {@code host:port} opens within the timeout. */
    public record Tcp(String host, int port) implements Probe {
        public Tcp {
            if (host.isEmpty() || port < 1 || port > 65535) {
                throw new IllegalArgumentException(host + ":" + port);
            }
        }

        @Override
        public String key() {
            return "tcp";
        }
    }

    /** Healthy when an HTTP GET of {@code url} answers with a status from 200 to 399 within the timeout. */
    public record Http(URI url) implements Probe {
        @Override
        public String key() {
            return "http";
        }
    }
}
