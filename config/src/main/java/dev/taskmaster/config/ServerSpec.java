package dev.taskmaster.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The {@code server:} section. Paths left empty get their defaults from the daemon, which
 * knows the runtime directories (see {@code docs/configuration.md}).
 *
 * @param instance    name of this daemon instance; selects socket, pidfile and logs
 * @param socket      Unix socket the API is served on
 * @param logfile     the daemon's own log file
 * @param loglevel    verbosity of that log
 * @param logRotation size rotation of that log
 * @param pidfile     file the daemon writes its pid to
 * @param logdir      directory for captured program output without an explicit file
 * @param user        user to drop to when started as root
 * @param access      roles granted to local users and groups (Unix socket) and to client
 *                    certificates (TLS), beyond root and the daemon's own user, who are admin
 * @param tokensFile  file of bearer tokens accepted over TCP ({@code NAME ROLE SHA256-HEX} lines)
 * @param listen      TCP listeners serving the API beside the Unix socket; none by default
 * @param logfileMode permissions of the daemon log's files (e.g. {@code 0640})
 * @param metrics     where {@code /metrics} is served: over plain HTTP on a loopback address, or over HTTPS
 *                    (with its tls) on any; empty = not served
 * @param syslog      whether the daemon log goes to syslog, and how lines are sent there
 */
public record ServerSpec(
        String instance,
        Optional<Path> socket,
        Optional<Path> logfile,
        LogLevel loglevel,
        LogRotation logRotation,
        Optional<Path> pidfile,
        Optional<Path> logdir,
        Optional<String> user,
        List<AccessGrant> access,
        Optional<Path> tokensFile,
        List<ListenerSpec> listen,
        int logfileMode,
        Optional<ListenerSpec> metrics,
        SyslogSpec syslog) {

    public ServerSpec {
        access = List.copyOf(access);
        listen = List.copyOf(listen);
        java.util.Objects.requireNonNull(metrics);
        java.util.Objects.requireNonNull(syslog);
    }

    /** A server section without metrics nor syslog. */
    public ServerSpec(String instance, Optional<Path> socket, Optional<Path> logfile, LogLevel loglevel,
            LogRotation logRotation, Optional<Path> pidfile, Optional<Path> logdir, Optional<String> user,
            List<AccessGrant> access, Optional<Path> tokensFile, List<ListenerSpec> listen, int logfileMode) {
        this(instance, socket, logfile, loglevel, logRotation, pidfile, logdir, user, access, tokensFile, listen,
                logfileMode, Optional.empty(), SyslogSpec.DEFAULT);
    }

    public static final String DEFAULT_INSTANCE = "default";

    public static final ServerSpec DEFAULT = new ServerSpec(DEFAULT_INSTANCE, Optional.empty(), Optional.empty(),
            LogLevel.INFO, LogRotation.DEFAULT, Optional.empty(), Optional.empty(), Optional.empty(), List.of(),
            Optional.empty(), List.of(), ProgramSpec.DEFAULT_LOGFILE_MODE);
}
