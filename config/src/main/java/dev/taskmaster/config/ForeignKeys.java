package dev.taskmaster.config;

import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * What to write instead of a key other supervisors use (supervisord, systemd, docker compose,
 * process-compose, pm2), when Taskmaster does not know it; and a program written at the top
 * level instead of under {@code programs:}. Issue 16: such errors said only "unknown key".
 * Stateless.
 */
final class ForeignKeys {

    /** A program's foreign key → the hint that follows "unknown key \"…\"". */
    private static final Map<String, String> PROGRAM = Map.ofEntries(
            Map.entry("command", "; write \"cmd\" (the command line)"),
            Map.entry("args", "; write the arguments in \"cmd\" (or \"argv\" in the API)"),
            Map.entry("directory", "; write \"workingdir\""),
            Map.entry("working_dir", "; write \"workingdir\""),
            Map.entry("working_directory", "; write \"workingdir\""),
            Map.entry("cwd", "; write \"workingdir\""),
            Map.entry("environment", "; write \"env\" (a map of NAME: value)"),
            Map.entry("grace_period", "; write \"stoptime\" (how long after the stop signal before SIGKILL)"),
            Map.entry("stopwaitsecs", "; write \"stoptime\" (a duration, e.g. 10s)"),
            Map.entry("kill_timeout", "; write \"stoptime\" (a duration, e.g. 10s)"),
            Map.entry("startsecs", "; write \"starttime\" (a duration, e.g. 1s)"),
            Map.entry("min_uptime", "; write \"starttime\" (a duration, e.g. 1s)"),
            Map.entry("stdout_logfile", "; write \"stdout\""),
            Map.entry("stderr_logfile", "; write \"stderr\""),
            Map.entry("log_location", "; write \"stdout\" (and \"stderr\")"),
            Map.entry("restart", "; write \"autorestart\" (always, never or unexpected)"),
            Map.entry("max_restarts", "; write \"startretries\" (failed starts retried before FATAL)"),
            Map.entry("heartbeat_file", "; Taskmaster does not watch a heartbeat file: a program is RUNNING once it has"
                    + " stayed up for \"starttime\""));

    /** The keys that make a top-level mapping look like a program written in the wrong place. */
    private static final Set<String> PROGRAM_LIKE = Set.of("cmd", "command", "numprocs", "autorestart", "autostart");

    private ForeignKeys() {}

    /**
     * The hint for {@code key} (its value {@code value}) unknown at {@code path}: empty when there
     * is none to give, and the usual "did you mean" applies.
     */
    static String hint(String path, String key, Node value) {
        if (path.isEmpty() && value instanceof MappingNode m && hasAny(m, PROGRAM_LIKE)) {
            return "; a program goes under \"programs:\" (indent \"" + key + ":\" beneath it)";
        }
        if (path.startsWith("programs.")) {
            return PROGRAM.getOrDefault(key, "");
        }
        return "";
    }

    private static boolean hasAny(MappingNode m, Set<String> keys) {
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode s && keys.contains(s.getValue())) {
                return true;
            }
        }
        return false;
    }
}
