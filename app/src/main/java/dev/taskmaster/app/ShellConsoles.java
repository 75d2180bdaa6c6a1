package dev.taskmaster.app;

import dev.taskmaster.cli.EmbeddedShell;
import dev.taskmaster.server.daemon.ControlConsole;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The daemon's control console is taskmasterctl's {@link EmbeddedShell}. Stateless; any thread.
 * EmbeddedShell is not loaded until --shell asks for one, so a daemon without it pays nothing.
 */
final class ShellConsoles implements ControlConsole.Factory {

    @Override
    public boolean terminalAvailable() {
        return EmbeddedShell.terminalAvailable();
    }

    @Override
    public ControlConsole open(Path socket, PrintStream fallback) {
        EmbeddedShell shell = new EmbeddedShell(socket, fallback);
        return new ControlConsole() {
            @Override
            public int run() {
                return shell.run();
            }

            @Override
            public void printAbove(String line) {
                shell.printAbove(line);
            }

            @Override
            public void end(long millis) {
                shell.end(millis);
            }
        };
    }
}
