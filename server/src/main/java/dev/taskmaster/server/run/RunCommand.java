package dev.taskmaster.server.run;

import dev.taskmaster.config.Config;
import dev.taskmaster.config.ConfigException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code taskmasterd run [OPTIONS] -- CMD ARGS…}: supervises one command in the foreground, with
 * no configuration file, through the same engine as the daemon (one program, synthesized from
 * the options by {@link RunProgram}). Exit codes ({@link RunExit}): the program's own status
 * when it ends and is not restarted, or when it is stopped by SIGINT/SIGTERM/SIGHUP (128+N for
 * a signal, as a shell says it); its last failure when the restarts are given up; 125 when
 * {@code taskmasterd run} itself cannot run (bad options, invalid settings).
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, exitCodeOnInvalidInput = RunExit.OWN_FAILURE,
        exitCodeOnExecutionException = RunExit.OWN_FAILURE,
        description = {"Supervise one command in the foreground, without a configuration file: restart it by its policy,"
                + " stop it gracefully on Ctrl-C or SIGTERM, and exit with its status.",
                "Its output passes through; taskmasterd's own lines on standard error start with [taskmaster]."},
        footer = {"", "Exit status: the program's (128+N when a signal N ended it) when it ends and is not restarted or is"
                + " stopped by Ctrl-C/SIGTERM; its last failure when the restarts are given up (127/126 when it could not"
                + " be started at all); 125 when taskmasterd run itself fails (bad options, invalid settings)."})
public final class RunCommand implements Callable<Integer> {

    @Option(names = "--name", paramLabel = "NAME", description = "The program's name in taskmasterd's lines. Default: the"
            + " command's file name.")
    String name;

    @Option(names = "--max-restarts", paramLabel = "N", description = "Automatic restarts in a row before giving up (-1:"
            + " no limit; the default). Counts failed starts too.")
    String maxRestarts;

    @Option(names = "--backoff-factor", paramLabel = "SECONDS", description = "Delay before restart n (0, 1, 2…):"
            + " SECONDS × 2^n, capped at 30 s or SECONDS. Default 1.")
    String backoffFactor;

    @Option(names = "--grace-period", paramLabel = "SECONDS", description = "How long a stop waits after SIGTERM before"
            + " SIGKILL. Default 10.")
    String gracePeriod;

    @Option(names = "--enable-heartbeat", description = "Restart the program when it stops touching its heartbeat file"
            + " ($TASKMASTER_HEARTBEAT_FILE; a private temporary file unless --heartbeat-file names one).")
    boolean enableHeartbeat;

    @Option(names = "--heartbeat-file", paramLabel = "PATH", description = "The heartbeat file (absolute path);"
            + " implies --enable-heartbeat.")
    String heartbeatFile;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "How old the heartbeat may get. Default 30.")
    String timeout;

    @Option(names = "--initial-check-delay", paramLabel = "SECONDS", description = "After each start, a stale heartbeat"
            + " does not count for this long. Default 0.")
    String initialCheckDelay;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Any program setting of the configuration file,"
            + " VALUE written as in YAML (e.g. --set autorestart=always, --set 'exitcodes=[0,2]'). Wins over the options"
            + " above. Repeatable.")
    List<String> settings = new ArrayList<>();

    @Parameters(paramLabel = "CMD", arity = "1..*", description = "The command and its arguments (after --).")
    List<String> command = new ArrayList<>();

    @Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The subcommand's command line: options end at the command, so that its own options
     * ({@code sh -c …}) are its arguments even without {@code --}.
     */
    public static CommandLine commandLine() {
        return new CommandLine(new RunCommand()).setStopAtPositional(true);
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        RunOptions options = new RunOptions(name, maxRestarts, backoffFactor, gracePeriod,
                enableHeartbeat || heartbeatFile != null, heartbeatFile, timeout, initialCheckDelay, settings, command);
        RunProgram program;
        try {
            program = RunProgram.of(options);
        } catch (RunProgram.Invalid e) {
            e.problems().forEach(p -> err.println("taskmasterd run: " + p));
            err.flush();
            return RunExit.OWN_FAILURE;
        }
        try {
            Config config = program.load(System.getenv());
            return ForegroundRun.run(config, program, err);
        } catch (ConfigException e) {
            program.describe(e).forEach(p -> err.println("taskmasterd run: " + p));
            err.flush();
            return RunExit.OWN_FAILURE;
        } catch (RuntimeException | Error e) {
            LoggerFactory.getLogger(RunCommand.class).error("taskmasterd run failed", e);
            err.println("taskmasterd run: internal error: " + e);
            err.flush();
            return RunExit.OWN_FAILURE;
        }
    }
}
