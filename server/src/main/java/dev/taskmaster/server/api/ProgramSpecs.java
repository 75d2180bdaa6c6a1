package dev.taskmaster.server.api;

import dev.taskmaster.config.OutputSpec;
import dev.taskmaster.config.ProgramSpec;
import dev.taskmaster.proto.v1.AutorestartPolicy;
import dev.taskmaster.proto.v1.BackoffSpec;
import dev.taskmaster.proto.v1.LogRotation;
import dev.taskmaster.proto.v1.OutputDestination;
import dev.taskmaster.proto.v1.OutputDiscarded;
import dev.taskmaster.proto.v1.OutputToDefaultLog;
import dev.taskmaster.proto.v1.OutputToFile;
import io.grpc.Status;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Programs between the configuration's records and the contract's {@code ProgramSpec}. A
 * message coming in is rendered to the YAML of a config file and loaded by the config loader,
 * so a program added through the API is validated exactly like one in a file. Stateless.
 */
final class ProgramSpecs {

    private ProgramSpecs() {
    }

    /** The program with every default filled in, as the API reports it. */
    static dev.taskmaster.proto.v1.ProgramSpec toProto(ProgramSpec p) {
        dev.taskmaster.proto.v1.ProgramSpec.Builder b = dev.taskmaster.proto.v1.ProgramSpec.newBuilder()
                .setName(p.name()).setCmd(p.cmd()).addAllArgv(p.argv()).setNumprocs(p.numprocs())
                .setProcessName(p.processName()).setAutostart(p.autostart())
                .setAutorestart(AutorestartPolicy.valueOf("AUTORESTART_POLICY_" + p.autorestart().name()))
                .addAllExitcodes(p.exitcodes().stream().sorted().toList())
                .setStarttime(Protos.duration(p.starttime())).setStartretries(p.startretries())
                .setBackoff(BackoffSpec.newBuilder().setInitial(Protos.duration(p.backoff().initial()))
                        .setFactor(p.backoff().factor()).setMax(Protos.duration(p.backoff().max()))
                        .setResetAfter(Protos.duration(p.backoff().resetAfter())))
                .setMaxRestarts(p.maxRestarts())
                .setStopsignal(p.stopsignal().name()).setStoptime(Protos.duration(p.stoptime()))
                .setStdout(output(p.stdout())).setRedirectStderr(p.redirectStderr())
                .putAllEnv(p.env()).setPriority(p.priority()).setGroup(p.group()).setStopasgroup(p.stopasgroup())
                .setKillasgroup(p.killasgroup()).setTty(p.tty())
                .setLogRotation(LogRotation.newBuilder().setMaxBytes(p.logRotation().maxBytes()).setBackups(p.logRotation().backups()))
                .setLogfileTimestamps(p.logfileTimestamps()).setOutputBufferBytes(p.outputBuffer())
                .setOnLogFull(Protos.policy(p.onLogFull()))
                .setStdoutSyslog(p.stdoutSyslog()).setStderrSyslog(p.stderrSyslog())
                .setKillmode(dev.taskmaster.proto.v1.KillMode.valueOf("KILL_MODE_" + p.killmode().name()));
        // With redirect_stderr or tty there is no stderr of its own: the field stays unset, as a
        // request must leave it, so that the program can be sent back unchanged.
        if (!p.redirectStderr() && !p.tty()) {
            b.setStderr(output(p.stderr()));
        }
        p.workingdir().ifPresent(d -> b.setWorkingdir(d.toString()));
        p.adopt().ifPresent(a -> b.setAdopt(switch (a) {
            case dev.taskmaster.config.AdoptSpec.Pidfile f -> dev.taskmaster.proto.v1.AdoptSpec.newBuilder().setPidfile(f.value());
            case dev.taskmaster.config.AdoptSpec.Match m -> dev.taskmaster.proto.v1.AdoptSpec.newBuilder().setMatch(m.value());
        }));
        p.umask().ifPresent(b::setUmask);
        p.user().ifPresent(b::setUser);
        p.healthCheck().ifPresent(c -> b.setHealthCheck(HealthProtos.toProto(c)));
        if (!p.schedule().delay().isZero()) {
            b.setStartDelay(Protos.duration(p.schedule().delay()));
        }
        p.schedule().cron().ifPresent(c -> b.setCron(c.text()));
        p.dependsOn().forEach(d -> b.addDependsOn(DependencyProtos.toProto(d)));
        return b.build();
    }

    private static OutputDestination output(OutputSpec o) {
        return switch (o) {
            case OutputSpec.Discard d -> OutputDestination.newBuilder().setDiscard(OutputDiscarded.getDefaultInstance()).build();
            case OutputSpec.Capture c -> c.file()
                    .map(f -> OutputDestination.newBuilder().setFile(OutputToFile.newBuilder().setPath(f.toString())).build())
                    .orElse(OutputDestination.newBuilder().setDefaultLog(OutputToDefaultLog.getDefaultInstance()).build());
        };
    }

    /** Where the problems of a program given as a message are said to be (the contract's ConfigError.file). */
    static final java.nio.file.Path REQUEST = java.nio.file.Path.of("<request>");

    /**
     * A program given as a message, rendered as the settings YAML of a config file, and the
     * problems found while rendering (values no YAML could carry, such as an unknown enum
     * number).
     */
    record Rendered(String name, String yaml, List<dev.taskmaster.config.ConfigError> errors) {
    }

    /**
     * The message as the YAML settings of one program (the mapping under {@code programs.NAME}),
     * to be loaded with its name by the config loader. Unset fields are left out, so they take
     * their defaults, as in a file. Values are taken literally: a message carries values after
     * {@code ${VAR}} expansion (that is how the daemon reports them), so a {@code $} is written
     * {@code $$} and a program read with GetProgram can be sent back unchanged. When both
     * {@code argv} and {@code cmd} are set, {@code argv} is used as-is (the contract's rule).
     *
     * @param keep the program being replaced, whose settings the message cannot carry
     *             ({@code logfile_mode}) are kept; empty for a new program (defaults)
     */
    static Rendered toYaml(dev.taskmaster.proto.v1.ProgramSpec p, java.util.Optional<ProgramSpec> keep) {
        List<dev.taskmaster.config.ConfigError> errors = new java.util.ArrayList<>();
        String path = "programs." + p.getName() + ".";
        StringBuilder y = new StringBuilder();
        String cmd = command(p);
        if (!cmd.isEmpty()) {
            line(y, "cmd", literal(cmd));
        }
        if (p.hasNumprocs()) {
            line(y, "numprocs", String.valueOf(p.getNumprocs()));
        }
        if (!p.getProcessName().isEmpty()) {
            line(y, "process_name", quote(p.getProcessName()));
        }
        if (p.hasAutostart()) {
            line(y, "autostart", String.valueOf(p.getAutostart()));
        }
        switch (p.getAutorestart()) {
            case AUTORESTART_POLICY_UNSPECIFIED -> { }
            case UNRECOGNIZED -> errors.add(new dev.taskmaster.config.ConfigError(REQUEST, 0, 0, path + "autorestart",
                    "expected AUTORESTART_POLICY_ALWAYS, AUTORESTART_POLICY_NEVER or AUTORESTART_POLICY_UNEXPECTED, found "
                            + p.getAutorestartValue()));
            default -> line(y, "autorestart", p.getAutorestart().name().substring("AUTORESTART_POLICY_".length())
                    .toLowerCase(Locale.ROOT));
        }
        if (p.getExitcodesCount() > 0) {
            line(y, "exitcodes", p.getExitcodesList().toString());
        }
        if (p.hasStarttime()) {
            line(y, "starttime", seconds(p.getStarttime()));
        }
        if (p.hasStartretries()) {
            line(y, "startretries", String.valueOf(p.getStartretries()));
        }
        if (p.hasBackoff()) {
            y.append("backoff:\n");
            if (p.getBackoff().hasInitial()) {
                y.append("  initial: ").append(seconds(p.getBackoff().getInitial())).append('\n');
            }
            if (p.getBackoff().getFactor() != 0) {
                y.append("  factor: ").append(p.getBackoff().getFactor()).append('\n');
            }
            if (p.getBackoff().hasMax()) {
                y.append("  max: ").append(seconds(p.getBackoff().getMax())).append('\n');
            }
            if (p.getBackoff().hasResetAfter()) {
                y.append("  reset_after: ").append(seconds(p.getBackoff().getResetAfter())).append('\n');
            }
        }
        if (p.hasMaxRestarts()) {
            line(y, "max_restarts", String.valueOf(p.getMaxRestarts()));
        }
        if (p.hasStartDelay()) {
            line(y, "start_delay", seconds(p.getStartDelay()));
        }
        if (!p.getCron().isEmpty()) {
            line(y, "cron", literal(p.getCron()));
        }
        if (p.getDependsOnCount() > 0) {
            y.append(DependencyProtos.toYaml(p.getDependsOnList(), ProgramSpecs::quote, path,
                    (key, message) -> errors.add(new dev.taskmaster.config.ConfigError(REQUEST, 0, 0, key, message))));
        }
        if (p.hasHealthCheck()) {
            y.append(HealthProtos.toYaml(p.getHealthCheck(), ProgramSpecs::literal, path,
                    (key, message) -> errors.add(new dev.taskmaster.config.ConfigError(REQUEST, 0, 0, key, message))));
        }
        if (!p.getStopsignal().isEmpty()) {
            line(y, "stopsignal", quote(p.getStopsignal()));
        }
        if (p.hasStoptime()) {
            line(y, "stoptime", seconds(p.getStoptime()));
        }
        output(y, "stdout", p.hasStdout() ? p.getStdout() : null);
        output(y, "stderr", p.hasStderr() ? p.getStderr() : null);
        if (p.getRedirectStderr()) {
            line(y, "redirect_stderr", "true");
        }
        if (p.getEnvCount() > 0) {
            y.append("env:\n");
            for (Map.Entry<String, String> e : p.getEnvMap().entrySet()) {
                y.append("  ").append(quote(e.getKey())).append(": ").append(literal(e.getValue())).append('\n');
            }
        }
        if (!p.getWorkingdir().isEmpty()) {
            line(y, "workingdir", literal(p.getWorkingdir()));
        }
        if (p.hasUmask()) {
            line(y, "umask", quote(Integer.toOctalString(p.getUmask())));
        }
        if (!p.getUser().isEmpty()) {
            line(y, "user", quote(p.getUser()));
        }
        if (p.hasPriority()) {
            line(y, "priority", String.valueOf(p.getPriority()));
        }
        if (!p.getGroup().isEmpty()) {
            line(y, "group", quote(p.getGroup()));
        }
        if (p.getStopasgroup()) {
            line(y, "stopasgroup", "true");
        }
        if (p.hasKillasgroup()) {
            line(y, "killasgroup", String.valueOf(p.getKillasgroup()));
        }
        switch (p.getKillmode()) {
            case KILL_MODE_UNSPECIFIED -> { }
            case UNRECOGNIZED -> errors.add(new dev.taskmaster.config.ConfigError(REQUEST, 0, 0, path + "killmode",
                    "expected KILL_MODE_MIXED, KILL_MODE_GROUP or KILL_MODE_PROCESS, found " + p.getKillmodeValue()));
            default -> line(y, "killmode", p.getKillmode().name().substring("KILL_MODE_".length()).toLowerCase(Locale.ROOT));
        }
        if (p.getTty()) {
            line(y, "tty", "true");
        }
        if (p.hasLogRotation()) {
            line(y, "logfile_maxbytes", String.valueOf(p.getLogRotation().getMaxBytes()));
            line(y, "logfile_backups", String.valueOf(p.getLogRotation().getBackups()));
        }
        if (p.getLogfileTimestamps()) {
            line(y, "logfile_timestamps", "true");
        }
        if (p.getStdoutSyslog()) {
            line(y, "stdout_syslog", "true");
        }
        if (p.getStderrSyslog()) {
            line(y, "stderr_syslog", "true");
        }
        if (p.hasOutputBufferBytes()) {
            line(y, "output_buffer", String.valueOf(p.getOutputBufferBytes()));
        }
        switch (p.getOnLogFull()) {
            case LOG_FULL_POLICY_BLOCK -> line(y, "on_log_full", "block");
            case LOG_FULL_POLICY_DROP -> line(y, "on_log_full", "drop");
            case LOG_FULL_POLICY_UNSPECIFIED -> { }
            case UNRECOGNIZED -> errors.add(new dev.taskmaster.config.ConfigError(REQUEST, 0, 0, path + "on_log_full",
                    "expected LOG_FULL_POLICY_BLOCK or LOG_FULL_POLICY_DROP, found " + p.getOnLogFullValue()));
        }
        if (p.hasAdopt()) {
            switch (p.getAdopt().getSourceCase()) {
                case PIDFILE -> y.append("adopt:\n  pidfile: ").append(literal(p.getAdopt().getPidfile())).append('\n');
                case MATCH -> y.append("adopt:\n  match: ").append(literal(p.getAdopt().getMatch())).append('\n');
                case SOURCE_NOT_SET -> line(y, "adopt", "{}"); // the loader says what is missing, as for a file
            }
        }
        // No field carries logfile_mode: an update keeps the program's, an addition takes the default.
        keep.filter(k -> k.logfileMode() != ProgramSpec.DEFAULT_LOGFILE_MODE)
                .ifPresent(k -> line(y, "logfile_mode", quote(Integer.toOctalString(k.logfileMode()))));
        return new Rendered(p.getName(), y.isEmpty() ? "{}\n" : y.toString(), List.copyOf(errors));
    }

    /**
     * The command line to load: {@code cmd} as written when it splits into exactly {@code argv}
     * (or argv is unset), so that a program read back is sent back unchanged; else {@code argv},
     * quoted word by word, since argv wins.
     */
    private static String command(dev.taskmaster.proto.v1.ProgramSpec p) {
        if (p.getArgvCount() == 0) {
            return p.getCmd();
        }
        if (!p.getCmd().isEmpty()) {
            try {
                if (dev.taskmaster.config.ShellWords.split(p.getCmd()).equals(p.getArgvList())) {
                    return p.getCmd();
                }
            } catch (IllegalArgumentException e) {
                // cmd does not even split: argv is used, as when it differs
            }
        }
        StringBuilder b = new StringBuilder();
        for (String word : p.getArgvList()) {
            b.append(b.isEmpty() ? "" : " ").append(shellQuote(word));
        }
        return b.toString();
    }

    /** A value the loader expands ({@code ${VAR}}), quoted so that it stays exactly as given. */
    private static String literal(String s) {
        return quote(s.replace("$", "$$"));
    }

    private static void output(StringBuilder y, String key, OutputDestination o) {
        if (o == null) {
            return;
        }
        switch (o.getDestinationCase()) {
            case DEFAULT_LOG -> line(y, key, "capture");
            case FILE -> line(y, key, literal(o.getFile().getPath()));
            case DISCARD -> line(y, key, "none");
            case DESTINATION_NOT_SET -> { }
        }
    }

    private static void line(StringBuilder y, String key, String value) {
        y.append(key).append(": ").append(value).append('\n');
    }

    private static String quote(String s) {
        return dev.taskmaster.config.YamlScalars.doubleQuoted(s);
    }

    private static final java.util.regex.Pattern PLAIN_WORD = java.util.regex.Pattern.compile("[A-Za-z0-9_./=:@%+,-]+");

    private static String shellQuote(String word) {
        return PLAIN_WORD.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    private static String seconds(com.google.protobuf.Duration d) {
        return BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNanos(), 9)).stripTrailingZeros().toPlainString();
    }

    static List<dev.taskmaster.proto.v1.ProgramSpec> toProto(List<ProgramSpec> programs) {
        return programs.stream().map(ProgramSpecs::toProto).toList();
    }
}
