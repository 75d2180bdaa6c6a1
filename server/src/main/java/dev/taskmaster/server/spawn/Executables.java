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
     */
    static Path resolve(String command, String path, Path directory) throws SpawnException {
        if (command.contains("/")) {
            Path p = directory.resolve(command).normalize();
            check(p, command);
            return p;
        }
        for (String dir : (path == null ? "" : path).split(":")) {
            Path candidate = (dir.isEmpty() ? directory : directory.resolve(dir)).resolve(command);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toAbsolutePath().normalize();
            }
        }
        throw new SpawnException(command + ": command not found in PATH (" + path + ")");
    }

    private static void check(Path p, String command) throws SpawnException {
        if (!Files.exists(p)) {
            throw new SpawnException(p + ": no such file (ENOENT)");
        }
        if (Files.isDirectory(p)) {
            throw new SpawnException(p + ": is a directory, not a program");
        }
        if (!Files.isExecutable(p)) {
            throw new SpawnException(p + ": permission denied (EACCES): it is not executable");
        }
    }

    /** The working directory must be an accessible directory; empty means the daemon's own. */
    static Path directory(Optional<Path> workingdir) throws SpawnException {
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
        if (!Files.isExecutable(dir)) {
            throw new SpawnException("working directory " + dir + ": permission denied (EACCES)");
        }
        return dir;
    }
}
