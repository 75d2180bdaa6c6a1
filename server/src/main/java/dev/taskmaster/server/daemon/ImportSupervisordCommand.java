package dev.taskmaster.server.daemon;

import dev.taskmaster.config.supervisord.SupervisordImport;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code taskmasterd import-supervisord FILE}: prints the Taskmaster YAML equivalent of a
 * supervisord configuration (see {@link SupervisordImport}). Warnings go to standard error,
 * one line each, located in the supervisord files. Exit codes: 0 written (warnings or not),
 * 1 the files cannot be imported (unreadable, or refused as supervisord would refuse them;
 * nothing written), 2 bad usage. Runs on the caller's thread; starts nothing.
 */
@Command(name = "import-supervisord",
        description = {"Print the Taskmaster YAML equivalent of a supervisord configuration (supervisord.conf with the files"
                + " its [include] names, or one conf.d file). What has no equivalent is a warning on standard error,"
                + " located in the supervisord file, and a comment in the YAML."})
public final class ImportSupervisordCommand implements Callable<Integer> {

    static final int EXIT_FAILED = 1;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Parameters(paramLabel = "FILE", description = "The supervisord configuration, e.g. /etc/supervisor/supervisord.conf.")
    Path file;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Write the YAML to FILE (which must not exist yet) instead of standard output.")
    Path output;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        SupervisordImport.Result result;
        try {
            result = SupervisordImport.convert(file, System.getenv(), hostName());
        } catch (SupervisordImport.ImportException e) {
            e.errors().forEach(n -> err.println("taskmasterd: " + n));
            err.println("taskmasterd: nothing imported: " + e.errors().size() + " error" + (e.errors().size() == 1 ? "" : "s")
                    + " in " + file);
            err.flush();
            return EXIT_FAILED;
        }
        result.warnings().forEach(n -> err.println("taskmasterd: warning: " + n));
        if (output == null) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(result.yaml());
            out.flush();
        } else {
            try {
                // CREATE_NEW: never over a file that is there, nor through a link planted in its place.
                Files.writeString(output, result.yaml(), StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                err.println("taskmasterd: " + output + " exists already; nothing written (remove it, or choose another file)");
                err.flush();
                return EXIT_FAILED;
            } catch (IOException e) {
                err.println("taskmasterd: cannot write " + output + ": " + e.getMessage());
                err.flush();
                return EXIT_FAILED;
            }
            err.println("taskmasterd: wrote " + output + (result.warnings().isEmpty() ? ""
                    : " (" + result.warnings().size() + " warning" + (result.warnings().size() == 1 ? "" : "s") + " above)")
                    + "; check it with: taskmasterd --check-config " + output);
        }
        err.flush();
        return CommandLine.ExitCode.OK;
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return System.getenv().getOrDefault("HOSTNAME", "localhost");
        }
    }
}
