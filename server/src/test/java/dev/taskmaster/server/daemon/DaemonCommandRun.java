package dev.taskmaster.server.daemon;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Runs {@code taskmasterd ARGS} through the daemon's own command line in this JVM, for the
 * subcommands that do their work and exit ({@code tls …}, {@code token add}). Any thread.
 */
public record DaemonCommandRun(int code, String out, String err) {

    public static DaemonCommandRun taskmasterd(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = DaemonCommand.commandLine(null);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new DaemonCommandRun(code, out.toString(), err.toString());
    }
}
