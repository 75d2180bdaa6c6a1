package dev.taskmaster.server.daemon;

import dev.taskmaster.config.ServerSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where one daemon instance keeps its socket, pidfile and logs: what the config says, else
 * the defaults documented in docs/configuration.md, which let several instances run side by
 * side without touching each other.
 *
 * @param socket  the Unix socket of the API
 * @param pidfile the file holding the daemon's pid
 * @param logfile the daemon's own log
 * @param logdir  where captured program output goes when a program names no file
 */
public record RuntimePaths(Path socket, Path pidfile, Path logfile, Path logdir) {

    /** Resolves the paths of {@code instance} (which may differ from the config's when given on the command line). */
    public static RuntimePaths resolve(ServerSpec spec, String instance, Map<String, String> env, int uid) {
        Path runtime = runtimeDir(env, uid);
        Path state = stateDir(env, uid).resolve(instance);
        return new RuntimePaths(
                spec.socket().orElse(runtime.resolve(instance + ".sock")),
                spec.pidfile().orElse(runtime.resolve(instance + ".pid")),
                spec.logfile().orElse(state.resolve("taskmasterd.log")),
                spec.logdir().orElse(state.resolve("logs")));
    }

    /** {@code $XDG_RUNTIME_DIR/taskmaster}, else {@code /tmp/taskmaster-<uid>}: per user, so never shared. */
    static Path runtimeDir(Map<String, String> env, int uid) {
        String xdg = env.get("XDG_RUNTIME_DIR");
        return xdg != null && !xdg.isBlank() ? Path.of(xdg, "taskmaster") : Path.of("/tmp", "taskmaster-" + uid);
    }

    /** {@code $XDG_STATE_HOME/taskmaster}, else {@code ~/.local/state/taskmaster}, or {@code /var/log/taskmaster} for root. */
    static Path stateDir(Map<String, String> env, int uid) {
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "taskmaster");
        }
        String home = env.get("HOME");
        if (uid == 0 || home == null || home.isBlank()) {
            return Path.of("/var/log/taskmaster");
        }
        return Path.of(home, ".local", "state", "taskmaster");
    }

    /** The real uid of this process, read without native code. */
    public static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot read the uid of this process from /proc/self: " + e.getMessage(), e);
        }
    }
}
