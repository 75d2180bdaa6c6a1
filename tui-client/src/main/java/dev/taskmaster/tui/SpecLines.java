package dev.taskmaster.tui;

import com.google.protobuf.Duration;
import dev.taskmaster.client.ProcessText;
import dev.taskmaster.proto.v1.OutputDestination;
import dev.taskmaster.proto.v1.ProgramSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A program's effective settings as {@code key: value} lines, named after the config keys. */
final class SpecLines {

    private SpecLines() {}

    static List<String> of(ProgramSpec s) {
        List<String> out = new ArrayList<>();
        add(out, "cmd", s.getCmd());
        add(out, "numprocs", s.hasNumprocs() ? Integer.toString(s.getNumprocs()) : "1");
        add(out, "process_name", s.getProcessName());
        add(out, "group", s.getGroup());
        add(out, "priority", s.hasPriority() ? Integer.toString(s.getPriority()) : "");
        add(out, "autostart", s.hasAutostart() ? Boolean.toString(s.getAutostart()) : "");
        add(out, "autorestart", s.getAutorestart().name().replace("AUTORESTART_POLICY_", "").toLowerCase(java.util.Locale.ROOT));
        add(out, "exitcodes", s.getExitcodesList().toString());
        add(out, "starttime", s.hasStarttime() ? ProcessText.shortDuration(s.getStarttime()) : "");
        add(out, "startretries", s.hasStartretries() ? Integer.toString(s.getStartretries()) : "");
        if (s.hasBackoff()) {
            add(out, "backoff", "initial " + dur(s.getBackoff().getInitial()) + ", factor " + s.getBackoff().getFactor()
                    + ", max " + dur(s.getBackoff().getMax())
                    + (s.getBackoff().hasResetAfter() ? ", reset_after " + dur(s.getBackoff().getResetAfter()) : ""));
        }
        add(out, "max_restarts", s.hasMaxRestarts() && s.getMaxRestarts() >= 0 ? Integer.toString(s.getMaxRestarts()) : "");
        add(out, "stopsignal", s.getStopsignal());
        add(out, "stoptime", s.hasStoptime() ? ProcessText.shortDuration(s.getStoptime()) : "");
        add(out, "stopasgroup", s.getStopasgroup() ? "true" : "");
        add(out, "killasgroup", s.hasKillasgroup() && s.getKillasgroup() ? "true" : "");
        add(out, "tty", s.getTty() ? "true" : "");
        add(out, "stdout", s.hasStdout() ? destination(s.getStdout()) : "");
        add(out, "stderr", s.hasStderr() ? destination(s.getStderr()) : "");
        add(out, "redirect_stderr", s.getRedirectStderr() ? "true" : "");
        add(out, "workingdir", s.getWorkingdir());
        add(out, "umask", s.hasUmask() ? String.format("%03o", s.getUmask()) : "");
        add(out, "user", s.getUser());
        if (s.hasLogRotation()) {
            add(out, "logfile_maxbytes", Fmt.bytes(s.getLogRotation().getMaxBytes()));
            add(out, "logfile_backups", Integer.toString(s.getLogRotation().getBackups()));
        }
        add(out, "on_log_full", switch (s.getOnLogFull()) {
            case LOG_FULL_POLICY_DROP -> "drop";
            case LOG_FULL_POLICY_BLOCK -> "block";
            default -> "";
        });
        if (s.hasHealthCheck()) {
            var c = s.getHealthCheck();
            add(out, "health_check", c.getProbeCase().name().toLowerCase(java.util.Locale.ROOT) + " " + switch (c.getProbeCase()) {
                case COMMAND -> c.getCommand().getCmd();
                case TCP -> c.getTcp().getHost() + ":" + c.getTcp().getPort();
                case HTTP -> c.getHttp().getUrl();
                case HEARTBEAT -> c.getHeartbeat().getPath() + " (max age " + dur(c.getHeartbeat().getMaxAge()) + ")";
                default -> "";
            } + ", every " + dur(c.getInterval()) + ", timeout " + dur(c.getTimeout()) + ", " + c.getRetries()
                    + " failures in a row, on_unhealthy " + (c.getOnUnhealthy() == dev.taskmaster.proto.v1.UnhealthyAction
                    .UNHEALTHY_ACTION_RESTART ? "restart" : "none"));
        }
        add(out, "start_delay", s.hasStartDelay() ? dur(s.getStartDelay()) : "");
        add(out, "cron", s.getCron());
        add(out, "depends_on", String.join(", ", s.getDependsOnList().stream()
                .map(d -> d.getProgram() + ": " + DependencyLines.condition(d.getCondition())).toList()));
        Map<String, String> env = new TreeMap<>(s.getEnvMap());
        if (!env.isEmpty()) {
            out.add("  env:");
            env.forEach((k, v) -> out.add("    " + k + "=" + v));
        }
        return out;
    }

    private static void add(List<String> out, String key, String value) {
        if (!value.isEmpty()) {
            out.add("  " + key + ": " + value);
        }
    }

    private static String dur(Duration d) {
        return ProcessText.shortDuration(d);
    }

    private static String destination(OutputDestination d) {
        return switch (d.getDestinationCase()) {
            case DEFAULT_LOG -> "default log";
            case FILE -> d.getFile().getPath();
            case DISCARD -> "discarded";
            case DESTINATION_NOT_SET -> "";
        };
    }
}
