package dev.taskmaster.cli;

import com.google.protobuf.util.Durations;
import dev.taskmaster.proto.v1.AutorestartPolicy;
import dev.taskmaster.proto.v1.OutputDestination;
import dev.taskmaster.proto.v1.OutputDiscarded;
import dev.taskmaster.proto.v1.OutputToDefaultLog;
import dev.taskmaster.proto.v1.OutputToFile;
import dev.taskmaster.proto.v1.ProgramSpec;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/**
 * The program settings of {@code add} and {@code update}, one option per config key (see
 * docs/configuration.md). Every field is null until given, so {@code update} changes only what
 * was typed.
 */
final class ProgramOptions {

    enum Autorestart { always, never, unexpected }

    @Option(names = "--cmd", paramLabel = "COMMAND", description = "Command line (split like a shell would, never run by one).")
    String cmd;

    @Option(names = "--numprocs", paramLabel = "N", description = "Number of instances, 1-10000.")
    Integer numprocs;

    @Option(names = "--process-name", paramLabel = "PATTERN", description = "Instance name pattern, e.g. %%(program_name)s:%%(process_num)d.")
    String processName;

    @Option(names = "--autostart", negatable = true, description = "Start the processes when added (default: yes).")
    Boolean autostart;

    @Option(names = "--autorestart", paramLabel = "POLICY", description = "always, never or unexpected.")
    Autorestart autorestart;

    @Option(names = "--exitcodes", paramLabel = "CODE", split = ",", description = "Expected exit codes, e.g. 0,2.")
    List<Integer> exitcodes;

    @Option(names = "--starttime", paramLabel = "DURATION", converter = DurationConverter.class, description = "Time up before RUNNING.")
    Duration starttime;

    @Option(names = "--startretries", paramLabel = "N", description = "Failed starts retried before FATAL (-1 = forever).")
    Integer startretries;

    @Option(names = "--max-restarts", paramLabel = "N",
            description = "Automatic starts in a row before FATAL (-1 = no limit).")
    Integer maxRestarts;

    @Option(names = "--stopsignal", paramLabel = "SIGNAL", description = "Signal that stops it (default TERM).")
    String stopsignal;

    @Option(names = "--stoptime", paramLabel = "DURATION", converter = DurationConverter.class, description = "Wait before SIGKILL.")
    Duration stoptime;

    @Option(names = "--stdout", paramLabel = "FILE", description = "Log file for stdout, or 'discard', or 'default'.")
    String stdout;

    @Option(names = "--stderr", paramLabel = "FILE", description = "Log file for stderr, or 'discard', or 'default'.")
    String stderr;

    @Option(names = "--redirect-stderr", negatable = true, description = "Send stderr to stdout.")
    Boolean redirectStderr;

    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Environment variable (repeatable).")
    Map<String, String> env;

    @Option(names = "--workingdir", paramLabel = "DIR", description = "Working directory.")
    String workingdir;

    @Option(names = "--umask", paramLabel = "OCTAL", description = "File mode creation mask, e.g. 022.")
    String umask;

    @Option(names = "--user", paramLabel = "USER", description = "Run as this user (daemon running as root only).")
    String user;

    @Option(names = "--priority", paramLabel = "N", description = "Start order: lower first (default 999).")
    Integer priority;

    @Option(names = "--group", paramLabel = "GROUP", description = "Group, for GROUP:* targets.")
    String group;

    @Option(names = "--stopasgroup", negatable = true, description = "Send the stop signal to the process group.")
    Boolean stopasgroup;

    @Option(names = "--killasgroup", negatable = true, description = "Send SIGKILL to the process group.")
    Boolean killasgroup;

    enum KillModeOption { mixed, group, process }

    @Option(names = "--killmode", paramLabel = "MODE",
            description = "What a stop signals and what becomes of the process group when the process ends:"
                    + " mixed (default), group or process.")
    KillModeOption killmode;

    @Option(names = "--tty", negatable = true, description = "Give the process a pseudo-terminal.")
    Boolean tty;

    enum OnLogFull { block, drop }

    @Option(names = "--on-log-full", paramLabel = "POLICY",
            description = "When its log cannot be written: block (hold the program back) or drop (lose output, counted).")
    OnLogFull onLogFull;

    @Option(names = "--depends-on", paramLabel = "PROGRAM[:CONDITION]", split = ",",
            description = "Wait for these programs before starting: CONDITION is started (default), running, healthy or"
                    + " completed_successfully; replaces the whole list ('none' empties it).")
    List<String> dependsOn;

    boolean anyGiven() {
        return Stream.of(cmd, numprocs, processName, autostart, autorestart, exitcodes, starttime, startretries, stopsignal,
                stoptime, stdout, stderr, redirectStderr, env, workingdir, umask, user, priority, group, stopasgroup,
                killasgroup, killmode, tty, onLogFull, maxRestarts, dependsOn).anyMatch(o -> o != null);
    }

    /** {@code db:healthy} → the contract's entry; a word that is no condition is bad usage, said here. */
    private static dev.taskmaster.proto.v1.Dependency dependency(String given) {
        int colon = given.lastIndexOf(':');
        String program = colon < 0 ? given : given.substring(0, colon);
        String condition = colon < 0 ? "started" : given.substring(colon + 1).toLowerCase(Locale.ROOT);
        if (!List.of("started", "running", "healthy", "completed_successfully").contains(condition)) {
            throw new CtlException(ExitCodes.USAGE, "--depends-on: '" + given + "': expected PROGRAM or PROGRAM:CONDITION with"
                    + " CONDITION started, running, healthy or completed_successfully");
        }
        return dev.taskmaster.proto.v1.Dependency.newBuilder().setProgram(program).setCondition(
                dev.taskmaster.proto.v1.DependencyCondition.valueOf("DEPENDENCY_CONDITION_" + condition.toUpperCase(Locale.ROOT))).build();
    }

    /**
     * Writes the given options into {@code spec}. For an update, {@code spec} holds the program's
     * effective settings, where some fields were derived from others; those are cleared when
     * what they came from changes, or the daemon would see a contradiction.
     */
    void applyTo(ProgramSpec.Builder spec, boolean update) {
        if (cmd != null) {
            spec.setCmd(cmd).clearArgv(); // argv, when set, wins over cmd; here it was derived from the old cmd
        }
        if (numprocs != null) {
            if (update && processName == null && spec.getProcessName().equals(defaultProcessName(spec.getNumprocs()))) {
                spec.clearProcessName(); // let the default follow the new count ("web" becomes "web:0", "web:1", …)
            }
            spec.setNumprocs(numprocs);
        }
        if (processName != null) {
            spec.setProcessName(processName);
        }
        if (autostart != null) {
            spec.setAutostart(autostart);
        }
        if (autorestart != null) {
            spec.setAutorestart(AutorestartPolicy.valueOf("AUTORESTART_POLICY_" + autorestart.name().toUpperCase(Locale.ROOT)));
        }
        if (exitcodes != null) {
            spec.clearExitcodes().addAllExitcodes(exitcodes);
        }
        if (starttime != null) {
            spec.setStarttime(Durations.fromNanos(starttime.toNanos()));
        }
        if (startretries != null) {
            spec.setStartretries(startretries);
        }
        if (maxRestarts != null) {
            spec.setMaxRestarts(maxRestarts);
        }
        if (stopsignal != null) {
            spec.setStopsignal(stopsignal);
        }
        if (stoptime != null) {
            spec.setStoptime(Durations.fromNanos(stoptime.toNanos()));
        }
        if (stdout != null) {
            spec.setStdout(destination(stdout));
        }
        if (redirectStderr != null) {
            spec.setRedirectStderr(redirectStderr);
        }
        if (tty != null) {
            spec.setTty(tty);
        }
        if (stderr != null) {
            spec.setStderr(destination(stderr));
        } else if (update && (spec.getRedirectStderr() || spec.getTty())) {
            spec.clearStderr(); // must be absent when stderr goes to stdout
        }
        if (env != null) {
            spec.putAllEnv(env);
        }
        if (workingdir != null) {
            spec.setWorkingdir(workingdir);
        }
        if (umask != null) {
            try {
                spec.setUmask(Integer.parseInt(umask, 8));
            } catch (NumberFormatException e) {
                throw new CtlException(ExitCodes.USAGE, "--umask: '" + umask + "' is not an octal number such as 022");
            }
        }
        if (user != null) {
            spec.setUser(user);
        }
        if (priority != null) {
            spec.setPriority(priority);
        }
        if (group != null) {
            spec.setGroup(group);
        }
        if (stopasgroup != null) {
            spec.setStopasgroup(stopasgroup);
            if (update && killasgroup == null) {
                spec.clearKillasgroup(); // absent = follow stopasgroup, as in the config file
            }
        }
        if (killasgroup != null) {
            spec.setKillasgroup(killasgroup);
        }
        if (killmode != null) {
            spec.setKillmode(dev.taskmaster.proto.v1.KillMode.valueOf("KILL_MODE_" + killmode.name().toUpperCase(Locale.ROOT)));
            // The old effective stopasgroup/killasgroup would contradict the new mode: they follow it.
            if (update && stopasgroup == null) {
                spec.clearStopasgroup();
            }
            if (update && killasgroup == null) {
                spec.clearKillasgroup();
            }
        } else if (update && (stopasgroup != null || killasgroup != null)) {
            spec.clearKillmode(); // derived again from stopasgroup/killasgroup, as in the config file
        }
        if (dependsOn != null) {
            spec.clearDependsOn();
            dependsOn.stream().filter(d -> !d.equals("none")).forEach(d -> spec.addDependsOn(dependency(d)));
        }
        if (onLogFull != null) {
            spec.setOnLogFull(dev.taskmaster.proto.v1.LogFullPolicy.valueOf("LOG_FULL_POLICY_" + onLogFull.name().toUpperCase(Locale.ROOT)));
        }
    }

    private static String defaultProcessName(int numprocs) {
        return numprocs > 1 ? "%(program_name)s:%(process_num)d" : "%(program_name)s";
    }

    private static OutputDestination destination(String value) {
        return switch (value) {
            case "discard" -> OutputDestination.newBuilder().setDiscard(OutputDiscarded.getDefaultInstance()).build();
            case "default" -> OutputDestination.newBuilder().setDefaultLog(OutputToDefaultLog.getDefaultInstance()).build();
            default -> OutputDestination.newBuilder().setFile(OutputToFile.newBuilder().setPath(value)).build();
        };
    }
}
