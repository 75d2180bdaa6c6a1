package dev.taskmaster.config;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.Node;

/** Reads the {@code server:} section into a {@link ServerSpec}. */
final class ServerParser {

    static final Set<String> KEYS = Set.of("instance", "socket", "logfile", "loglevel", "logfile_maxbytes",
            "logfile_backups", "pidfile", "logdir", "user", "access", "tokens_file", "listen", "logfile_mode", "metrics", "syslog");

    private ServerParser() {
    }

    static ServerSpec parse(Source src, Node node) {
        Optional<MapReader> maybe = MapReader.of(src, node, "server", "a mapping of server settings");
        if (maybe.isEmpty()) {
            return ServerSpec.DEFAULT;
        }
        MapReader r = maybe.get();
        ServerSpec d = ServerSpec.DEFAULT;
        String instance = r.get("instance", d.instance(), (s, n, p) -> Values.text(s, n, p, "an instance name")
                .filter(t -> ProgramParser.NAME.matcher(t).matches() || invalid(s, n, p, t)));
        MapReader.ValueParser<java.nio.file.Path> path =
                (s, n, p) -> Values.text(s, n, p, "a path").flatMap(t -> s.path(n, p, t));
        var socket = r.optional("socket", path);
        var logfile = r.optional("logfile", path);
        LogLevel level = r.get("loglevel", d.loglevel(), ServerParser::level);
        long maxBytes = r.get("logfile_maxbytes", d.logRotation().maxBytes(), Values::size);
        int backups = r.get("logfile_backups", d.logRotation().backups(),
                (s, n, p) -> Values.integer(s, n, p, 0, 1000));
        var pidfile = r.optional("pidfile", path);
        var logdir = r.optional("logdir", path);
        Optional<String> user = r.optional("user", ProgramParser::userName);
        List<AccessGrant> access = r.take("access")
                .map(n -> AccessParser.parse(src, n, r.pathOf("access"))).orElse(List.of());
        var tokensFile = r.optional("tokens_file", path);
        var listen = r.take("listen").map(n -> ListenerParser.parse(src, n, r.pathOf("listen"))).orElse(List.of());
        int logfileMode = r.get("logfile_mode", d.logfileMode(), Values::fileMode);
        Optional<ListenerSpec> metrics = r.optional("metrics", (s, n, p) -> MetricsParser.parse(s, n, p, listen));
        SyslogSpec syslog = r.take("syslog").flatMap(n -> SyslogParser.parse(src, n, r.pathOf("syslog")))
                .orElse(d.syslog());
        r.rejectUnknown(KEYS);
        return new ServerSpec(instance, socket, logfile, level, new LogRotation(maxBytes, backups), pidfile, logdir,
                user, access, tokensFile, listen, logfileMode, metrics, syslog);
    }

    private static boolean invalid(Source src, Node node, String path, String name) {
        src.error(node, path, "invalid instance name \"" + name + "\"; expected " + ProgramParser.NAME_EXPECTED);
        return false;
    }

    private static Optional<LogLevel> level(Source src, Node node, String path) {
        String expected = "one of trace, debug, info, warn, error";
        return Values.text(src, node, path, expected).flatMap(t -> {
            String upper = t.strip().toUpperCase(Locale.ROOT);
            if (upper.equals("WARNING")) {
                upper = "WARN";
            }
            for (LogLevel l : LogLevel.values()) {
                if (l.name().equals(upper)) {
                    return Optional.of(l);
                }
            }
            src.error(node, path, "expected " + expected + ", found " + Values.describe(node));
            return Optional.empty();
        });
    }
}
