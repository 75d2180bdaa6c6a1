package dev.taskmaster.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where a daemon instance listens, resolved exactly as taskmasterd resolves it (docs/taskmasterd.md):
 * an explicit socket path wins; else {@code $XDG_RUNTIME_DIR/taskmaster/<instance>.sock} when
 * {@code XDG_RUNTIME_DIR} is set and not blank; else {@code /tmp/taskmaster-<uid>/<instance>.sock}.
 * Pure functions of their arguments, so the rules are tested without touching the environment.
 */
public final class SocketPaths {

    /** The instance a daemon runs as when neither its config nor its command line names one. */
    public static final String DEFAULT_INSTANCE = "default";

    /** The daemon's rule for instance names (same as program names): nothing that could escape the directory. */
    private static final Pattern INSTANCE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@-]*");

    private SocketPaths() {}

    /**
     * The socket to dial.
     *
     * @param explicit a socket path given by the user, or null
     * @param instance the instance name, or null for {@value #DEFAULT_INSTANCE}
     * @param env      the process environment (only {@code XDG_RUNTIME_DIR} is read)
     * @param uid      the real uid of the caller
     * @throws IllegalArgumentException if the instance name could not be a daemon's
     */
    public static Path resolve(Path explicit, String instance, Map<String, String> env, int uid) {
        if (explicit != null) {
            return explicit;
        }
        String name = instance == null ? DEFAULT_INSTANCE : instance;
        if (!INSTANCE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid instance name \"" + name
                    + "\"; expected letters, digits, '_', '.', '@' and '-', not starting with '.', '@' or '-'");
        }
        return runtimeDir(env, uid).resolve(name + ".sock");
    }

    /** {@code $XDG_RUNTIME_DIR/taskmaster}, else {@code /tmp/taskmaster-<uid>}. */
    public static Path runtimeDir(Map<String, String> env, int uid) {
        String xdg = env.get("XDG_RUNTIME_DIR");
        // isBlank, not isEmpty: the daemon (RuntimePaths) treats a blank value as unset, and both must agree.
        return xdg != null && !xdg.isBlank() ? Path.of(xdg, "taskmaster") : Path.of("/tmp", "taskmaster-" + uid);
    }

    /** The real uid of this process, read from /proc without native code. */
    public static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot read the uid of this process from /proc/self: " + e.getMessage(), e);
        }
    }
}
