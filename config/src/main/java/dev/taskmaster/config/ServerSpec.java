package dev.taskmaster.config;

import java.nio.file.Path;
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
 * @param logfileMode permissions of the daemon log's files (e.g. {@code 0640})
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
        int logfileMode) {

    public static final String DEFAULT_INSTANCE = "default";

    public static final ServerSpec DEFAULT = new ServerSpec(DEFAULT_INSTANCE, Optional.empty(), Optional.empty(),
            LogLevel.INFO, LogRotation.DEFAULT, Optional.empty(), Optional.empty(), Optional.empty(),
            ProgramSpec.DEFAULT_LOGFILE_MODE);
}
