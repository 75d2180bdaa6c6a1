package dev.taskmaster.config.supervisord;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code [supervisord]} and {@code [unix_http_server]} written as Taskmaster's {@code server:}
 * section. supervisord's own socket, pidfile and log are written as comments: taken over as
 * they are, they would collide with a supervisord still running beside Taskmaster during a
 * move. Not thread-safe; one import runs it.
 */
final class ServerImport {

    private static final Set<String> HANDLED = Set.of("logfile", "pidfile", "childlogdir", "loglevel", "logfile_maxbytes",
            "logfile_backups", "user", "environment", "directory");

    private final IniFile ini;
    private final Map<String, Object> expansions;
    private final ImportNotes notes;

    ServerImport(IniFile ini, Map<String, String> env, String hostName, ImportNotes notes) {
        this.ini = ini;
        this.expansions = SupervisordImport.literalExpansions(env, hostName);
        this.notes = notes;
    }

    void write(YamlOut yaml) {
        yaml.section(0, "server");
        Optional<IniFile.Section> sd = ini.section("supervisord");
        sd.ifPresent(s -> supervisord(yaml, s));
        ini.section("unix_http_server").ifPresent(s -> {
            s.get("file").ifPresent(v -> yaml.comment(1, "socket: " + YamlOut.quoted(text(v))
                    + "   # supervisord's; Taskmaster's default lets both run side by side"));
            for (String key : new String[] {"chmod", "chown", "username", "password"}) {
                s.get(key).ifPresent(v -> notes.warn(v, "[unix_http_server] " + key + " not imported: Taskmaster's socket is"
                        + " for its own user; give other local users a role with server.access (docs/security.md)"));
            }
        });
        ini.section("inet_http_server").ifPresent(s -> notes.warn(s, "[inet_http_server] not imported: Taskmaster's remote"
                + " access is TLS with tokens or client certificates, set up with server.listen (docs/remote.md)"));
        yaml.blank();
    }

    private void supervisord(YamlOut yaml, IniFile.Section s) {
        s.get("logfile").ifPresent(v -> yaml.comment(1, "logfile: " + YamlOut.quoted(text(v))
                + "   # supervisord's; Taskmaster's default lets both run side by side"));
        s.get("pidfile").ifPresent(v -> yaml.comment(1, "pidfile: " + YamlOut.quoted(text(v))
                + "   # supervisord's; Taskmaster's default lets both run side by side"));
        s.get("childlogdir").ifPresent(v -> yaml.string(1, "logdir", text(v)));
        s.get("loglevel").ifPresent(v -> {
            String level = switch (text(v).toLowerCase(Locale.ROOT)) {
                case "critical", "error" -> "error";
                case "warn", "warning" -> "warn";
                case "info" -> "info";
                case "debug" -> "debug";
                case "trace", "blather" -> "trace";
                default -> {
                    notes.error(v, "loglevel: invalid value \"" + v.text() + "\"; expected critical, error, warn, info, debug,"
                            + " trace or blather");
                    yield null;
                }
            };
            if (level != null && !level.equals("info")) {
                yaml.string(1, "loglevel", level);
            }
        });
        s.get("logfile_maxbytes").ifPresent(v -> {
            try {
                yaml.string(1, "logfile_maxbytes", SupervisordValues.size(text(v)));
            } catch (IllegalArgumentException e) {
                notes.error(v, "logfile_maxbytes: " + e.getMessage());
            }
        });
        s.get("logfile_backups").ifPresent(v -> {
            try {
                yaml.plain(1, "logfile_backups", SupervisordValues.integer(text(v)));
            } catch (IllegalArgumentException e) {
                notes.error(v, "logfile_backups: " + e.getMessage());
            }
        });
        s.get("user").ifPresent(v -> yaml.string(1, "user", text(v)));
        s.get("environment").ifPresent(v -> yaml.comment(1, "[supervisord] environment is given to each program, in its env"));
        s.get("directory").ifPresent(v -> yaml.comment(1, "[supervisord] directory is each program's workingdir unless it has its own"));
        for (Map.Entry<String, IniFile.Value> e : s.values().entrySet()) {
            if (!HANDLED.contains(e.getKey())) {
                notes.warn(e.getValue(), "[supervisord] " + e.getKey() + " not imported: " + why(e.getKey()));
            }
        }
    }

    private static String why(String key) {
        return switch (key) {
            case "nodaemon", "silent" -> "taskmasterd always runs in the foreground (a service manager or --shell runs it)";
            case "minfds" -> "taskmasterd raises its open-file limit to the hard limit and says when programs may not fit";
            case "minprocs", "nocleanup", "identifier", "strip_ansi", "umask" -> "no equivalent";
            default -> "unknown to supervisord too";
        };
    }

    private String text(IniFile.Value v) {
        try {
            return PercentFormat.expand(v.text().replace("%(here)s", v.here().toString()), expansions);
        } catch (IllegalArgumentException e) {
            notes.error(v, e.getMessage());
            return v.text();
        }
    }
}
