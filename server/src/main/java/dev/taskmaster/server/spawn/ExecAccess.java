package dev.taskmaster.server.spawn;

import dev.taskmaster.server.os.UserInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Whether the user a program will run as may execute a file or enter a directory: asked
 * before spawning, so that a refusal names its reason instead of surfacing as an exit code of
 * the child. Immutable; any thread.
 */
abstract sealed class ExecAccess {

    /** The program runs as the daemon's own user: the kernel answers for it ({@code access(2)}). */
    static final ExecAccess DAEMON = new Daemon();

    /**
     * The program runs as another user (the daemon is root and switches to it). The daemon's
     * own access says nothing about that user's, so the mode bits of the file and of each
     * directory above it are read as the kernel reads them for that user: the owner's bits if
     * the user owns it, else the group's if one of its groups does, else the others'. ACLs are
     * not consulted: a file that only an ACL opens to the user is refused here.
     */
    static ExecAccess of(UserInfo user, Set<Integer> groups) {
        return user.uid() == 0 ? DAEMON : new OtherUser(user, Set.copyOf(groups));
    }

    /** Empty if {@code file} (an existing regular file) may be executed; else why not, after "permission denied". */
    abstract Optional<String> executeDenied(Path file);

    /** Empty if {@code dir} (an existing directory) may be entered; else why not, after "permission denied". */
    abstract Optional<String> enterDenied(Path dir);

    private static final class Daemon extends ExecAccess {
        @Override
        Optional<String> executeDenied(Path file) {
            return Files.isExecutable(file) ? Optional.empty() : Optional.of(" (EACCES): it is not executable");
        }

        @Override
        Optional<String> enterDenied(Path dir) {
            return Files.isExecutable(dir) ? Optional.empty() : Optional.of(" (EACCES)");
        }
    }

    private static final class OtherUser extends ExecAccess {
        private final UserInfo user;
        private final Set<Integer> groups;

        OtherUser(UserInfo user, Set<Integer> groups) {
            this.user = user;
            this.groups = groups;
        }

        @Override
        Optional<String> executeDenied(Path file) {
            return check(file, "it is not executable for that user");
        }

        @Override
        Optional<String> enterDenied(Path dir) {
            return check(dir, "it cannot be entered by that user");
        }

        private Optional<String> check(Path target, String notPermitted) {
            Path real;
            try {
                real = target.toRealPath();
            } catch (IOException e) {
                return Optional.empty(); // vanished or unreadable meanwhile: let the spawn report it
            }
            // Every directory on the way must be searchable, from the root down.
            for (Path dir = real.getRoot(); dir != null && !dir.equals(real); dir = next(dir, real)) {
                if (!permitsExecute(dir)) {
                    return Optional.of(denied() + ": cannot enter " + dir);
                }
            }
            return permitsExecute(real) ? Optional.empty() : Optional.of(denied() + ": " + notPermitted);
        }

        private String denied() {
            return " for user \"" + user.name() + "\" (EACCES)";
        }

        /** The directory one level further down from {@code dir} towards {@code target}. */
        private static Path next(Path dir, Path target) {
            return dir.resolve(target.getName(dir.getNameCount()));
        }

        /** The x bit of the class (owner, group, other) the user falls in for {@code p}. */
        private boolean permitsExecute(Path p) {
            try {
                java.util.Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid");
                int mode = (Integer) a.get("mode");
                int owner = (Integer) a.get("uid");
                int group = (Integer) a.get("gid");
                int shift = owner == user.uid() ? 6 : groups.contains(group) ? 3 : 0;
                return (mode >> shift & 1) != 0;
            } catch (IOException | UnsupportedOperationException e) {
                return true; // cannot tell: let the spawn decide
            }
        }
    }
}
