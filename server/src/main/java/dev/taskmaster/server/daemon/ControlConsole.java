package dev.taskmaster.server.daemon;

import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The control shell of {@code taskmasterd --shell}, run in the daemon's own terminal against its
 * own socket. The server owns this interface so that it never depends on client code; the
 * {@code taskmasterd} application module, which sits above both, supplies the implementation.
 *
 * <p>Threading: {@link #run} blocks the thread that calls it until the console ends;
 * {@link #printAbove} and {@link #end} may be called from any thread, at any time.
 */
public interface ControlConsole {

    /** Runs the console until it is left or {@link #end ended}; returns its exit code. */
    int run();

    /** Prints one log line above the prompt, never through what the user is typing. */
    void printAbove(String line);

    /** Ends the console from another thread, giving the terminal back within about {@code millis}. */
    void end(long millis);

    /** Makes consoles. Stateless; any thread. */
    interface Factory {

        /** Whether standard input and output are a terminal, which a console needs. */
        boolean terminalAvailable();

        /**
         * @param socket   the daemon's socket
         * @param fallback where {@link ControlConsole#printAbove} writes while no prompt is shown
         */
        ControlConsole open(Path socket, PrintStream fallback);
    }
}
