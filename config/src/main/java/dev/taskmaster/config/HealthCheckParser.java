package dev.taskmaster.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.Node;

/** Reads a program's {@code health_check:} mapping, reporting every problem where it is written. */
final class HealthCheckParser {

    static final Set<String> PROBE_KEYS = Set.of("heartbeat_file", "cmd", "tcp", "http");
    static final Set<String> KEYS = Set.of("heartbeat_file", "max_age", "cmd", "tcp", "http", "interval", "timeout",
            "retries", "start_period", "on_unhealthy");
    /** {@code host:port}, {@code [::1]:port}. */
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9_.-]+):([0-9]+)");
    private static final String TCP_EXPECTED = "host:port, like 127.0.0.1:6379 or [::1]:6379";

    private HealthCheckParser() {
    }

    /**
     * @param numprocs how many instances share the check: more than one needs a heartbeat file per instance
     */
    static Optional<HealthCheck> parse(Source src, Node node, String path, int numprocs) {
        return MapReader.of(src, node, path, "a mapping with one of heartbeat_file, cmd, tcp or http").flatMap(r -> {
            int before = src.problems().count();
            List<String> kinds = PROBE_KEYS.stream().filter(r::has).sorted().toList();
            Optional<HealthCheck.Probe> probe = Optional.empty();
            if (kinds.size() > 1) {
                // Reported where the second one is written: the first was the probe meant, most likely.
                String second = kinds.stream().sorted(java.util.Comparator.comparingInt(
                        (String k) -> r.take(k).orElseThrow().getStartMark().getIndex())).toList().get(1);
                r.take(second).ifPresent(n -> src.error(n, r.pathOf(second), "expected exactly one of"
                        + " heartbeat_file, cmd, tcp and http, found " + String.join(" and ", kinds) + "; keep one"));
            } else if (kinds.isEmpty()) {
                src.error(node, path, "expected exactly one of heartbeat_file, cmd, tcp and http, found none");
            } else {
                probe = switch (kinds.getFirst()) {
                    case "heartbeat_file" -> heartbeat(r, numprocs);
                    case "cmd" -> r.optional("cmd", HealthCheckParser::command);
                    case "tcp" -> r.optional("tcp", HealthCheckParser::tcp);
                    default -> r.optional("http", HealthCheckParser::http);
                };
            }
            if (r.has("max_age") && !kinds.contains("heartbeat_file")) {
                r.take("max_age").ifPresent(n -> src.error(n, r.pathOf("max_age"),
                        "max_age is the age a heartbeat_file may reach; it has no meaning without heartbeat_file"));
            }
            Duration interval = r.get("interval", HealthCheck.DEFAULT_INTERVAL, HealthCheckParser::positive);
            Duration timeout = r.get("timeout", HealthCheck.DEFAULT_TIMEOUT, HealthCheckParser::positive);
            int retries = r.get("retries", HealthCheck.DEFAULT_RETRIES, (s, n, p) -> Values.integer(s, n, p, 1, 1000));
            Duration startPeriod = r.get("start_period", Duration.ZERO, Values::duration);
            HealthCheck.UnhealthyAction action = r.get("on_unhealthy", HealthCheck.UnhealthyAction.NONE,
                    HealthCheckParser::action);
            for (String k : PROBE_KEYS) {
                r.take(k); // the second of two probe kinds was reported above, not as an unknown key
            }
            r.rejectUnknown(KEYS);
            if (probe.isEmpty() || src.problems().count() > before) {
                return Optional.empty();
            }
            return Optional.of(new HealthCheck(probe.get(), interval, timeout, retries, startPeriod, action));
        });
    }

    private static Optional<HealthCheck.Probe> heartbeat(MapReader r, int numprocs) {
        Source src = r.source();
        Optional<String> file = r.optional("heartbeat_file", (s, n, p) -> Values.text(s, n, p, "an absolute path")
                .flatMap(t -> s.expand(n, p, t))
                .filter(t -> Values.noNul(s, n, p, t, "an absolute path"))
                .flatMap(t -> {
                    if (!t.startsWith("/")) {
                        s.error(n, p, "expected an absolute path, found " + Values.describe(n)
                                + "; the program and the daemon must agree on where it is");
                        return Optional.empty();
                    }
                    try {
                        ProcessNames.format(t, "p", "g", 0);
                    } catch (IllegalArgumentException e) {
                        s.error(n, p, e.getMessage());
                        return Optional.empty();
                    }
                    if (numprocs > 1 && !ProcessNames.usesProcessNum(t)) {
                        s.error(n, p, "expected a path with %(process_num)d when numprocs is " + numprocs
                                + ", found " + Values.describe(n) + ": every instance would touch the same file");
                        return Optional.empty();
                    }
                    return Optional.of(java.nio.file.Path.of(t).normalize().toString());
                }));
        Duration maxAge = r.get("max_age", HealthCheck.DEFAULT_MAX_AGE, HealthCheckParser::positive);
        return file.map(f -> new HealthCheck.Heartbeat(f, maxAge));
    }

    private static Optional<HealthCheck.Probe> command(Source src, Node node, String path) {
        return Values.text(src, node, path, "a command line").flatMap(t -> src.expand(node, path, t))
                .filter(t -> Values.noNul(src, node, path, t, "a command line"))
                .flatMap(t -> {
                    try {
                        List<String> argv = ShellWords.split(t);
                        if (argv.isEmpty()) {
                            src.error(node, path, "expected a command line, found an empty one");
                            return Optional.empty();
                        }
                        return Optional.of(new HealthCheck.Command(t, argv));
                    } catch (IllegalArgumentException e) {
                        src.error(node, path, e.getMessage());
                        return Optional.empty();
                    }
                });
    }

    private static Optional<HealthCheck.Probe> tcp(Source src, Node node, String path) {
        return Values.text(src, node, path, TCP_EXPECTED).flatMap(t -> src.expand(node, path, t)).flatMap(t -> {
            Matcher m = HOST_PORT.matcher(t.strip());
            if (!m.matches()) {
                src.error(node, path, "expected " + TCP_EXPECTED + ", found " + Values.describe(node));
                return Optional.empty();
            }
            int port;
            try {
                port = Integer.parseInt(m.group(2));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                src.error(node, path, "expected a port from 1 to 65535, found " + m.group(2));
                return Optional.empty();
            }
            String host = m.group(1).startsWith("[") ? m.group(1).substring(1, m.group(1).length() - 1) : m.group(1);
            return Optional.of(new HealthCheck.Tcp(host, port));
        });
    }

    private static Optional<HealthCheck.Probe> http(Source src, Node node, String path) {
        String expected = "an http:// or https:// URL, like http://127.0.0.1:8080/healthz";
        return Values.text(src, node, path, expected).flatMap(t -> src.expand(node, path, t)).flatMap(t -> {
            try {
                URI uri = new URI(t.strip());
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                    src.error(node, path, "expected " + expected + ", found " + Values.describe(node));
                    return Optional.empty();
                }
                return Optional.of(new HealthCheck.Http(uri));
            } catch (URISyntaxException e) {
                src.error(node, path, "expected " + expected + ", found " + Values.describe(node) + ": " + e.getReason());
                return Optional.empty();
            }
        });
    }

    private static Optional<Duration> positive(Source src, Node node, String path) {
        return Values.duration(src, node, path).filter(d -> {
            if (d.isZero()) {
                src.error(node, path, "expected a duration greater than 0, found " + Values.describe(node));
                return false;
            }
            return true;
        });
    }

    private static Optional<HealthCheck.UnhealthyAction> action(Source src, Node node, String path) {
        String expected = "restart or none";
        return Values.text(src, node, path, expected).flatMap(t -> switch (t.strip().toLowerCase(Locale.ROOT)) {
            case "restart" -> Optional.of(HealthCheck.UnhealthyAction.RESTART);
            case "none" -> Optional.of(HealthCheck.UnhealthyAction.NONE);
            default -> {
                src.error(node, path, "expected " + expected + ", found " + Values.describe(node));
                yield Optional.empty();
            }
        });
    }
}
