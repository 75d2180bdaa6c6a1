package dev.taskmaster.server.os;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything {@link PosixSpawn#spawn} needs to start one program.
 *
 * <p>Descriptors handed over with {@link Stdio.Fd} stay open in the daemon: closing the
 * parent's copies after the spawn (for example the write end of an output pipe, so that the
 * reader sees end-of-file when the child exits) is the caller's job.
 *
 * <p>Threading: immutable; the collections are copied.
 *
 * @param executable absolute path of the program; there is no {@code PATH} search here
 * @param argv       the complete argument vector, {@code argv[0]} included; not empty
 * @param env        the child's complete environment (nothing is inherited); iteration order kept
 * @param workingDir the child's working directory; empty keeps the daemon's
 * @param stdin      the child's descriptor 0
 * @param stdout     the child's descriptor 1
 * @param stderr     the child's descriptor 2
 * @param newSession start the child in a new session ({@code setsid}): it becomes the leader of
 *                   a new session and process group whose id is its pid, so the whole group can
 *                   be signalled with {@link Signals#killProcessGroup}
 */
public record SpawnRequest(
        Path executable,
        List<String> argv,
        Map<String, String> env,
        Optional<Path> workingDir,
        Stdio stdin,
        Stdio stdout,
        Stdio stderr,
        boolean newSession) {

    public SpawnRequest {
        Objects.requireNonNull(executable, "executable");
        if (!executable.isAbsolute()) {
            throw new IllegalArgumentException("executable must be an absolute path: " + executable);
        }
        noNul("executable", executable.toString());
        argv = List.copyOf(argv);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("argv must contain at least argv[0]");
        }
        argv.forEach(arg -> noNul("argument", arg));
        LinkedHashMap<String, String> copy = new LinkedHashMap<>();
        env.forEach((name, value) -> {
            if (name.isEmpty() || name.indexOf('=') >= 0) {
                throw new IllegalArgumentException("invalid environment variable name: \"" + name + "\"");
            }
            noNul("environment variable", name);
            noNul("environment value", Objects.requireNonNull(value, name));
            copy.put(name, value);
        });
        env = Collections.unmodifiableMap(copy);
        Objects.requireNonNull(workingDir, "workingDir");
        workingDir.ifPresent(dir -> noNul("working directory", dir.toString()));
        Objects.requireNonNull(stdin, "stdin");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
    }

    /** No working directory change, all three descriptors on /dev/null, a new session. */
    public static SpawnRequest of(Path executable, List<String> argv, Map<String, String> env) {
        Stdio devNull = Stdio.devNull();
        return new SpawnRequest(executable, argv, env, Optional.empty(), devNull, devNull, devNull, true);
    }

    public SpawnRequest withWorkingDir(Path dir) {
        return new SpawnRequest(executable, argv, env, Optional.of(dir), stdin, stdout, stderr, newSession);
    }

    public SpawnRequest withStdio(Stdio in, Stdio out, Stdio err) {
        return new SpawnRequest(executable, argv, env, workingDir, in, out, err, newSession);
    }

    public SpawnRequest withNewSession(boolean session) {
        return new SpawnRequest(executable, argv, env, workingDir, stdin, stdout, stderr, session);
    }

    private static void noNul(String what, String text) {
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " contains a NUL character: " + text.replace('\0', '?'));
        }
    }
}
