package dev.taskmaster.server.run;

import java.util.List;

/**
 * What {@code taskmasterd run} was given, as typed: values are checked when the program is made
 * ({@link RunProgram}), by the configuration's own rules. Immutable.
 *
 * @param name              the program's name; null = the command's file name
 * @param maxRestarts       {@code max_restarts}; null = default
 * @param backoffFactor     seconds: {@code backoff.initial}, doubling; null = default
 * @param gracePeriod       seconds: {@code stoptime} after SIGTERM; null = default
 * @param heartbeat         whether a heartbeat health check restarts the program
 * @param heartbeatFile     its file; null = a private temporary one
 * @param timeout           seconds: the heartbeat's {@code max_age}; null = default
 * @param initialCheckDelay seconds: the check's {@code start_period}; null = none
 * @param settings          {@code KEY=VALUE} program settings, in order
 * @param command           the command and its arguments
 */
record RunOptions(String name, String maxRestarts, String backoffFactor, String gracePeriod, boolean heartbeat,
        String heartbeatFile, String timeout, String initialCheckDelay, List<String> settings, List<String> command) {

    RunOptions {
        settings = List.copyOf(settings);
        command = List.copyOf(command);
    }
}
