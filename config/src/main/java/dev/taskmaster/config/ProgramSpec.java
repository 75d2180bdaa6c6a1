package dev.taskmaster.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One program of the configuration, validated, with every default filled in. Immutable.
 * See {@code docs/configuration.md} for the meaning and default of each setting.
 *
 * @param name           the key under {@code programs:}
 * @param cmd            the command line as written, after {@code ${VAR}} expansion
 * @param argv           {@code cmd} split into words like a shell would, without a shell
 * @param numprocs       how many instances run, at least 1
 * @param processName    pattern naming each instance ({@code %(program_name)s}, {@code %(process_num)d})
 * @param autostart      start when the daemon starts or the program is added
 * @param autorestart    restart policy after a RUNNING process exits
 * @param exitcodes      exit codes that count as expected
 * @param starttime      how long a process must stay up to count as started (RUNNING)
 * @param startretries   failed starts allowed before FATAL; -1 retries forever
 * @param backoff        delay between failed starts
 * @param stopsignal     signal sent to stop the process
 * @param stoptime       how long to wait after {@code stopsignal} before SIGKILL
 * @param stdout         where standard output goes
 * @param stderr         where standard error goes (ignored when {@code redirectStderr})
 * @param redirectStderr send standard error into standard output
 * @param env            variables added to (or overriding) the daemon's environment
 * @param workingdir     directory to start in; empty inherits the daemon's
 * @param umask          file mode creation mask; empty inherits the daemon's
 * @param user           user to run as (name or uid); empty runs as the daemon's user
 * @param priority       lower starts first and stops last
 * @param group          group the instances belong to, for {@code group:*} addressing
 * @param stopasgroup    send {@code stopsignal} to the whole process group
 * @param killasgroup    send SIGKILL to the whole process group
 * @param tty            run on a pseudo-terminal instead of pipes
 * @param logRotation    size rotation of the captured output's log files
 * @param logfileTimestamps prefix every line written to the log files with the time it was read
 * @param outputBuffer   bytes of recent output kept in memory per instance, for tail and attach
 * @param logfileMode    permissions of the log files the daemon creates for this program (e.g. {@code 0640})
 * @param onLogFull      what happens to the output while its log file cannot be written (a full disk)
 * @param killmode       what a stop signals, and what becomes of the process group when the process ends;
 *                       {@code stopasgroup} and {@code killasgroup} always agree with it
 * @param adopt          how to find the program's process among those already running, to adopt it
 *                       instead of running {@code cmd} (and after a {@code cmd} that daemonizes); empty = never
 * @param healthCheck    how to tell that a running process works; empty = no health check
 * @param maxRestarts    automatic starts in a row (restarts, retries) after which the process is FATAL; -1 = no limit
 * @param schedule       {@code start_delay} and {@code cron}: automatic starts made later, or at set times
 * @param dependsOn      programs whose instances must meet a condition before this program starts; empty = none
 * @param stdoutSyslog   whether standard output's lines also go to syslog, tagged with the program's name
 * @param stderrSyslog   whether standard error's lines also go to syslog (not with {@code redirectStderr} or {@code tty})
 */
public record ProgramSpec(
        String name,
        String cmd,
        List<String> argv,
        int numprocs,
        String processName,
        boolean autostart,
        RestartPolicy autorestart,
        Set<Integer> exitcodes,
        Duration starttime,
        int startretries,
        Backoff backoff,
        Signal stopsignal,
        Duration stoptime,
        OutputSpec stdout,
        OutputSpec stderr,
        boolean redirectStderr,
        Map<String, String> env,
        Optional<Path> workingdir,
        Optional<Integer> umask,
        Optional<String> user,
        int priority,
        String group,
        boolean stopasgroup,
        boolean killasgroup,
        boolean tty,
        LogRotation logRotation,
        boolean logfileTimestamps,
        long outputBuffer,
        int logfileMode,
        LogFullPolicy onLogFull,
        KillMode killmode,
        Optional<AdoptSpec> adopt,
        Optional<HealthCheck> healthCheck,
        int maxRestarts,
        StartSchedule schedule,
        List<Dependency> dependsOn,
        boolean stdoutSyslog,
        boolean stderrSyslog) {

    public static final String DEFAULT_PROCESS_NAME = "%(program_name)s";
    public static final String DEFAULT_MULTI_PROCESS_NAME = "%(program_name)s:%(process_num)d";
    /** Default of {@code output_buffer}: enough for several screens of scrollback and a useful tail. */
    public static final long DEFAULT_OUTPUT_BUFFER = 1024 * 1024;
    /** Limits of {@code output_buffer}: one page at least, and a bound on what one program can pin in memory. */
    public static final long MIN_OUTPUT_BUFFER = 4096;
    public static final long MAX_OUTPUT_BUFFER = 1024L * 1024 * 1024;
    /**
     * Default of {@code logfile_mode} (and of {@code server.logfile_mode}): the owner and its
     * group may read, others may not; output often carries secrets.
     */
    public static final int DEFAULT_LOGFILE_MODE = 0640;

    public ProgramSpec {
        Objects.requireNonNull(name);
        argv = List.copyOf(argv);
        Objects.requireNonNull(onLogFull);
        Objects.requireNonNull(killmode);
        Objects.requireNonNull(adopt);
        Objects.requireNonNull(healthCheck);
        Objects.requireNonNull(schedule);
        if (maxRestarts < -1) {
            throw new IllegalArgumentException("max_restarts must be >= -1, was " + maxRestarts);
        }
        if (stopasgroup != killmode.stopsGroup() || killasgroup != killmode.killsGroup()) {
            throw new IllegalArgumentException("stopasgroup " + stopasgroup + " and killasgroup " + killasgroup
                    + " contradict killmode " + killmode.configValue());
        }
        exitcodes = Set.copyOf(exitcodes);
        dependsOn = List.copyOf(dependsOn);
        env = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(env));
        if (numprocs < 1) {
            throw new IllegalArgumentException("numprocs must be >= 1, was " + numprocs);
        }
    }

    /** The instances this program expands into, in index order. */
    public List<InstanceSpec> instances() {
        List<InstanceSpec> out = new ArrayList<>(numprocs);
        for (int i = 0; i < numprocs; i++) {
            out.add(new InstanceSpec(this, i, ProcessNames.format(processName, name, group, i)));
        }
        return out;
    }

    /** This program with another instance count (and so, by default, other instance names). */
    public ProgramSpec withNumprocs(int count, String namePattern) {
        return new ProgramSpec(name, cmd, argv, count, namePattern, autostart, autorestart, exitcodes, starttime,
                startretries, backoff, stopsignal, stoptime, stdout, stderr, redirectStderr, env, workingdir, umask,
                user, priority, group, stopasgroup, killasgroup, tty, logRotation, logfileTimestamps, outputBuffer,
                logfileMode, onLogFull, killmode, adopt, healthCheck, maxRestarts, schedule, dependsOn, stdoutSyslog, stderrSyslog);
    }

    /** Whether {@code exitCode} is one of the expected exit codes. */
    public boolean isExpected(int exitCode) {
        return exitcodes.contains(exitCode);
    }

    /**
     * Whether a process of {@code other} would run exactly like one of this program: same
     * command, environment, directory, umask, user and stdio. When this is false a reload must
     * restart the process; when only other settings differ they apply in place.
     */
    public boolean runsLike(ProgramSpec other) {
        // argv, not cmd: re-spacing or re-quoting the command line runs the same process.
        return argv.equals(other.argv) && env.equals(other.env)
                && workingdir.equals(other.workingdir) && umask.equals(other.umask)
                && user.equals(other.user) && stdout.equals(other.stdout) && stderr.equals(other.stderr)
                && redirectStderr == other.redirectStderr && tty == other.tty;
    }
}
