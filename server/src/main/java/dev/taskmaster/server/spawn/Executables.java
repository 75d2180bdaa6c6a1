package dev.taskmaster.server.spawn;

import dev.taskmaster.server.engine.ProcessLauncher.SpawnException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the file a command names, as {@code execvp} would, but before spawning, so that a
 * failure says exactly what is wrong ("not found in PATH", "permission denied", "is a
 * directory") instead of a bare errno from the child. Stateless.
 */
final class Executables {

    private Executables() {
    }

    /**
     * @param command   argv[0] as configured
     * @param path      the PATH the child will have
     * @param directory where a relative command with a slash is looked up (the working directory)
     * @param access    what the user the program runs as may execute
     */
    static Path resolve(String command, String path, Path directory, ExecAccess access) throws SpawnException {
        if (command.contains("/")) {
            Path p = directory.resolve(command).normalize();
            check(p, access);
            return p;
        }
        Optional<String> firstDenied = Optional.empty();
        for (String dir : (path == null ? "" : path).split(":")) {
            Path candidate = (dir.isEmpty() ? directory : directory.resolve(dir)).resolve(command);
            if (Files.isRegularFile(candidate)) {
                Path found = candidate.toAbsolutePath().normalize();
                Optional<String> denied = access.executeDenied(found);
                if (denied.isEmpty()) {
                    return found;
                }
                // As execvp does: go on looking, and if nothing runs, say why the first one did not.
                if (firstDenied.isEmpty()) {
                    firstDenied = Optional.of(found + ": permission denied" + denied.get());
                }
            }
        }
        if (firstDenied.isPresent()) {
            throw new SpawnException(firstDenied.get());
        }
        throw new SpawnException(command + ": command not found in PATH (" + path + ")");
    }

    private static void check(Path p, ExecAccess access) throws SpawnException {
        if (!Files.exists(p)) {
            throw new SpawnException(p + ": no such file (ENOENT)");
        }
        if (Files.isDirectory(p)) {
            throw new SpawnException(p + ": is a directory, not a program");
        }
        Optional<String> denied = access.executeDenied(p);
        if (denied.isPresent()) {
            throw new SpawnException(p + ": permission denied" + denied.get());
        }
    }

    /**
     * The working directory must be a directory the program's user may enter; empty means the
     * daemon's own, which the child inherits as it is (as with supervisord, it is not checked).
     */
    static Path directory(Optional<Path> workingdir, ExecAccess access) throws SpawnException {
        if (workingdir.isEmpty()) {
            return Path.of("").toAbsolutePath();
        }
        Path dir = workingdir.get();
        if (!Files.exists(dir)) {
            throw new SpawnException("working directory " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new SpawnException("working directory " + dir + " is not a directory");
        }
        Optional<String> denied = access.enterDenied(dir);
        if (denied.isPresent()) {
            throw new SpawnException("working directory " + dir + ": permission denied" + denied.get());
        }
        return dir;
    }
}
