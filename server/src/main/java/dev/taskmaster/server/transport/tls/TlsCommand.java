package dev.taskmaster.server.transport.tls;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code taskmasterd tls}: certificates for people who have no CA of their own. Exit codes of
 * its subcommands: 0 done, 1 nothing was written (a file exists, the CA cannot be read, a write
 * failed), 2 bad usage.
 */
@Command(name = "tls",
        description = "Make a private CA and the certificates for mutual TLS (see docs/remote.md).",
        subcommands = {TlsInitCommand.class, TlsClientCommand.class})
public final class TlsCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    static final int EXIT_FAILED = 1;

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code taskmasterd tls} alone: say what it has. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }
}
