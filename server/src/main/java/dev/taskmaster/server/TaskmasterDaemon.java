package dev.taskmaster.server;

import picocli.CommandLine;

/** Entry point of {@code taskmasterd}; see {@link DaemonCommand} for the options. */
public final class TaskmasterDaemon {

    private TaskmasterDaemon() {
    }

    public static void main(String[] args) {
        System.exit(DaemonCommand.commandLine().execute(args));
    }
}
