package dev.taskmaster.app;

import dev.taskmaster.server.daemon.DaemonCommand;

/**
 * Entry point of {@code taskmasterd}: the daemon's command line ({@link DaemonCommand}) with the
 * control shell of {@code taskmasterctl} behind {@code --shell}. Composing them here keeps the
 * server free of client code and the clients free of server code.
 */
public final class Taskmasterd {

    private Taskmasterd() {
    }

    public static void main(String[] args) {
        System.exit(DaemonCommand.commandLine(new ShellConsoles()).execute(args));
    }
}
