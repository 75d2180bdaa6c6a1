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
                        .setFactor(p.backoff().factor()).setMax(Protos.duration(p.backoff().max())))
                .setStopsignal(p.stopsignal().name()).setStoptime(Protos.duration(p.stoptime()))
                .setStdout(output(p.stdout())).setStderr(output(p.stderr())).setRedirectStderr(p.redirectStderr())
                .putAllEnv(p.env()).setPriority(p.priority()).setGroup(p.group()).setStopasgroup(p.stopasgroup())
                .setKillasgroup(p.killasgroup()).setTty(p.tty())
                .setLogRotation(LogRotation.newBuilder().setMaxBytes(p.logRotation().maxBytes()).setBackups(p.logRotation().backups()))
                .setLogfileTimestamps(p.logfileTimestamps()).setOutputBufferBytes(p.outputBuffer())
                .setOnLogFull(Protos.policy(p.onLogFull()));
        p.workingdir().ifPresent(d -> b.setWorkingdir(d.toString()));
        p.umask().ifPresent(b::setUmask);
        p.user().ifPresent(b::setUser);
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

    /**
     * The message as the YAML of one program under {@code programs:}. Unset fields are left out,
     * so they take their defaults, as in a file.
     *
     * @throws io.grpc.StatusRuntimeException INVALID_ARGUMENT without a name, UNIMPLEMENTED for
     *         settings the daemon does not support yet
     */
    static String toYaml(dev.taskmaster.proto.v1.ProgramSpec p) {
        if (p.getName().isBlank()) {
            throw Status.INVALID_ARGUMENT.withDescription("the program needs a name (spec.name)").asRuntimeException();
        }
        if (p.hasHealthCheck() || p.hasStartDelay() || !p.getCron().isEmpty() || p.getDependsOnCount() > 0) {
            throw Status.UNIMPLEMENTED.withDescription("health checks, start_delay, cron and depends_on are not supported"
                    + " yet; leave them unset").asRuntimeException();
        }
        StringBuilder y = new StringBuilder(quote(p.getName())).append(":\n");
        String cmd = !p.getCmd().isEmpty() ? p.getCmd() : String.join(" ", p.getArgvList().stream().map(ProgramSpecs::shellQuote).toList());
        if (!cmd.isEmpty()) {
            line(y, "cmd", quote(cmd));
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
        if (p.getAutorestart() != AutorestartPolicy.AUTORESTART_POLICY_UNSPECIFIED) {
            line(y, "autorestart", p.getAutorestart().name().substring("AUTORESTART_POLICY_".length()).toLowerCase(Locale.ROOT));
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
            y.append("  backoff:\n");
            if (p.getBackoff().hasInitial()) {
                y.append("    initial: ").append(seconds(p.getBackoff().getInitial())).append('\n');
            }
            if (p.getBackoff().getFactor() != 0) {
                y.append("    factor: ").append(p.getBackoff().getFactor()).append('\n');
            }
            if (p.getBackoff().hasMax()) {
                y.append("    max: ").append(seconds(p.getBackoff().getMax())).append('\n');
            }
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
            y.append("  env:\n");
            for (Map.Entry<String, String> e : p.getEnvMap().entrySet()) {
                y.append("    ").append(quote(e.getKey())).append(": ").append(quote(e.getValue())).append('\n');
            }
        }
        if (!p.getWorkingdir().isEmpty()) {
            line(y, "workingdir", quote(p.getWorkingdir()));
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
        if (p.hasOutputBufferBytes()) {
            line(y, "output_buffer", String.valueOf(p.getOutputBufferBytes()));
        }
        switch (p.getOnLogFull()) {
            case LOG_FULL_POLICY_BLOCK -> line(y, "on_log_full", "block");
            case LOG_FULL_POLICY_DROP -> line(y, "on_log_full", "drop");
            case LOG_FULL_POLICY_UNSPECIFIED -> { }
            case UNRECOGNIZED -> throw Status.INVALID_ARGUMENT.withDescription("spec.on_log_full: unknown value "
                    + p.getOnLogFullValue() + "; expected LOG_FULL_POLICY_BLOCK or LOG_FULL_POLICY_DROP").asRuntimeException();
        }
        return y.toString();
    }

    private static void output(StringBuilder y, String key, OutputDestination o) {
        if (o == null) {
            return;
        }
        switch (o.getDestinationCase()) {
            case DEFAULT_LOG -> line(y, key, "capture");
            case FILE -> line(y, key, quote(o.getFile().getPath()));
            case DISCARD -> line(y, key, "none");
            case DESTINATION_NOT_SET -> { }
        }
    }

    private static void line(StringBuilder y, String key, String value) {
        y.append("  ").append(key).append(": ").append(value).append('\n');
    }

    /** A YAML double-quoted scalar (JSON string syntax), which takes any text. */
    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    private static String shellQuote(String word) {
        return word.matches("[A-Za-z0-9_./=:@%+,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    private static String seconds(com.google.protobuf.Duration d) {
        return BigDecimal.valueOf(d.getSeconds()).add(BigDecimal.valueOf(d.getNanos(), 9)).stripTrailingZeros().toPlainString();
    }

    static List<dev.taskmaster.proto.v1.ProgramSpec> toProto(List<ProgramSpec> programs) {
        return programs.stream().map(ProgramSpecs::toProto).toList();
    }
}
