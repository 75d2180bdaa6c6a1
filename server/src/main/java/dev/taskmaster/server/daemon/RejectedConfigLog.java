package dev.taskmaster.server.daemon;

import dev.taskmaster.config.ConfigError;
import dev.taskmaster.config.ConfigException;
import dev.taskmaster.config.LogRotation;
import dev.taskmaster.config.ServerSpec;
import dev.taskmaster.server.log.DaemonLog;
import dev.taskmaster.server.os.Posix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records a configuration rejected at start-up in the daemon log, so that whoever reads the
 * log (not the terminal, for a daemon started by a service manager) learns why nothing runs.
 * The log is the configuration's own {@code server.logfile} when the server section was read
 * without error, else the instance's default. Runs once, on the main thread, before anything
 * else logs.
 *
 * <p>It runs before any lock or privilege switch, so as root it writes only into a directory
 * root owns: a log directory handed to {@code server.user} by an earlier start is that user's,
 * who could have put a link where the log is, and is skipped (the errors are on standard error).
 */
final class RejectedConfigLog {

    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private RejectedConfigLog() {
    }

    /** Where the daemon would have logged: what {@code e} could still tell of the server settings, else the defaults. */
    static Path logfile(ConfigException e, String instanceOption, Map<String, String> env, int uid) {
        ServerSpec server = e.server().orElse(ServerSpec.DEFAULT);
        String instance = instanceOption != null ? instanceOption : server.instance();
        return RuntimePaths.resolve(server, instance, env, uid).logfile();
    }

    /**
     * Appends the errors to the daemon log. Best effort: the errors are on standard error
     * already, and a log that cannot be written must not change what the user sees there.
     */
    static void write(Path config, ConfigException e, String instanceOption) {
        Path logfile = logfile(e, instanceOption, System.getenv(), Posix.geteuid());
        ServerSpec server = e.server().orElse(ServerSpec.DEFAULT);
        try {
            Path dir = logfile.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            if (Posix.geteuid() == 0) {
                Directories.requireOwnedByRoot(dir, "log directory");
            }
            // Appended, never rotated: a daemon of this instance may be running and writing there.
            DaemonLog.configure(logfile, server.loglevel(), new LogRotation(0, 0), server.logfileMode(), null);
        } catch (IOException | RuntimeException cannot) {
            return;
        }
        int n = e.errors().size();
        log.error("configuration {} rejected at start-up, nothing was started ({} error{}):", config, n, n == 1 ? "" : "s");
        for (ConfigError error : e.errors()) {
            log.error("  {}", error);
        }
        DaemonLog.close();
    }
}
